import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import * as cborg from "cborg";
import { describe, expect, it } from "vitest";
import { airconModel } from "../../examples/aircon/model.js";
import { fridgeModel } from "../../examples/fridge/model.js";
import { vacuumModel, vacuumModelV1, vacuumModelV2 } from "../../examples/vacuum/model.js";
import { washerModel, washerModelV1 } from "../../examples/washer/model.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import { defineModel, type AnyModel } from "../../sdk/thing/model.js";

type Doc = Record<string, unknown>;
/** The hashed document, as PROTOCOL.md section 3a words it: the presentation keys off the model, its members and their fields. */
function withoutPresentation(doc: Doc): Doc {
  const keys = ["label", "valueLabels", "codes", "format"];
  const bare = (o: Doc): Doc => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
  const group = (g: Doc, inner: string[]): Doc =>
    Object.fromEntries(Object.entries(g).map(([name, m]) => {
      const b = bare(m as Doc);
      for (const key of inner) if (key in b) b[key] = group(b[key] as Doc, []);
      return [name, b];
    }));
  return { ...bare(doc), properties: group(doc["properties"] as Doc, []), actions: group(doc["actions"] as Doc, ["params", "result"]), events: group(doc["events"] as Doc, ["fields"]) };
}

const MODELS: Record<string, unknown> = { aircon: airconModel, washer: washerModel, fridge: fridgeModel, vacuum: vacuumModel };

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/sdk/desk/node/cli/main.js");

/** The test vectors as PROTOCOL.md section 3a prints them, by "id@version". */
function vectors(): Map<string, string> {
  const text = readFileSync(join(root, "sdk/protocol/PROTOCOL.md"), "utf8");
  const section = text.slice(text.indexOf("## 3a."), text.indexOf("## 4."));
  return new Map([...section.matchAll(/^\| (hearth\.[a-z]+) \| (\d+) \| ([0-9a-f]{16}) \|$/gm)].map((m) => [`${m[1]}@${m[2]}`, m[3] as string]));
}

describe("the model document and its hash (PROTOCOL.md section 3a)", () => {
  for (const name of ["aircon", "washer", "fridge", "vacuum"]) {
    it(`${name}: hearth model export writes the document; its hash, computed from the spec's text with cborg, is the spec's vector and the device's`, async () => {
      if (!existsSync(cli)) throw new Error("npm test builds dist first");
      const out = mkdtempSync(join(tmpdir(), "hearth-model-"));
      const run = spawnSync(process.execPath, [cli, "model", "export", name, "--out", out], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      const id = `hearth.${name}`;
      // Only the JSON and the spec's rules: RFC 8949 deterministic CBOR by another library, SHA-256, 8 bytes.
      const doc = JSON.parse(readFileSync(join(out, `${id}.json`), "utf8")) as Doc;
      const bytes = cborg.encode(withoutPresentation(doc), cborg.rfc8949EncodeOptions);
      const hash = Buffer.from(sha256(bytes).slice(0, 8)).toString("hex");
      expect(hash).toBe(vectors().get(`${id}@${(MODELS[name] as AnyModel).version}`));
      expect(readFileSync(join(out, `${id}.cbor`))).toEqual(Buffer.from(bytes));
      expect(run.stdout).toContain(`hash ${hash}`);
      expect(Buffer.from(modelHash(MODELS[name] as AnyModel)).toString("hex")).toBe(hash);
    });
  }

  it("presentation is not in the hash: relabelling changes nothing, a description does; every member of the four models is labelled in both languages", () => {
    const relabelled = defineModel({ ...airconModel.spec, label: { en: "AC", zh: "空调" }, properties: { ...airconModel.spec.properties, room: { ...airconModel.spec.properties.room, label: { en: "Indoor", zh: "室内" } } } });
    expect(modelHash(relabelled)).toEqual(modelHash(airconModel));
    const redescribed = defineModel({ ...airconModel.spec, properties: { ...airconModel.spec.properties, room: { ...airconModel.spec.properties.room, description: "the room" } } });
    expect(modelHash(redescribed)).not.toEqual(modelHash(airconModel));
    for (const model of Object.values(MODELS) as AnyModel[]) {
      const spec = model.spec as unknown as Doc;
      const missing: string[] = [];
      const needs = (where: string, m: Doc) => {
        const label = m["label"] as { en?: string; zh?: string } | undefined;
        if (!(label?.en && label.zh)) missing.push(where);
        if (m["type"] === "enum" && (m["valueLabels"] as unknown[] | undefined)?.length !== (m["values"] as unknown[]).length) missing.push(`${where} valueLabels`);
      };
      needs(model.id, spec);
      for (const group of ["properties", "actions", "events"]) {
        for (const [name, m] of Object.entries(spec[group] as Record<string, Doc>)) {
          needs(`${group} ${name}`, m);
          for (const inner of ["params", "result", "fields"]) for (const [f, fs] of Object.entries((m[inner] ?? {}) as Record<string, Doc>)) needs(`${name} ${f}`, fs);
        }
      }
      expect(missing, model.id).toEqual([]);
      expect(Object.keys((model.spec.properties["error"] as { codes?: object }).codes ?? {}).length, `${model.id} error codes`).toBeGreaterThan(1);
    }
  });

  it("the spec lists a vector for each of the four models and each revision served; an earlier revision made from a later one hashes as it always did", () => {
    expect([...vectors().keys()].sort()).toEqual(["hearth.aircon@1", "hearth.fridge@1", "hearth.vacuum@1", "hearth.vacuum@2", "hearth.vacuum@3", "hearth.washer@1", "hearth.washer@2"]);
    for (const model of [washerModelV1, vacuumModelV1, vacuumModelV2]) expect(Buffer.from(modelHash(model)).toString("hex"), `${model.id}@${model.version}`).toBe(vectors().get(`${model.id}@${model.version}`));
  });
});
