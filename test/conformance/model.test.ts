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
import { vacuumModel } from "../../examples/vacuum/model.js";
import { washerModel } from "../../examples/washer/model.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import type { AnyModel } from "../../sdk/thing/model.js";

const MODELS: Record<string, unknown> = { aircon: airconModel, washer: washerModel, fridge: fridgeModel, vacuum: vacuumModel };

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/sdk/desk/node/cli/main.js");

/** The test vectors as PROTOCOL.md section 3a prints them. */
function vectors(): Map<string, string> {
  const text = readFileSync(join(root, "sdk/protocol/PROTOCOL.md"), "utf8");
  const section = text.slice(text.indexOf("## 3a."), text.indexOf("## 4."));
  return new Map([...section.matchAll(/^\| (hearth\.[a-z]+) \| ([0-9a-f]{16}) \|$/gm)].map((m) => [m[1] as string, m[2] as string]));
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
      const doc = JSON.parse(readFileSync(join(out, `${id}.json`), "utf8")) as unknown;
      const bytes = cborg.encode(doc, cborg.rfc8949EncodeOptions);
      const hash = Buffer.from(sha256(bytes).slice(0, 8)).toString("hex");
      expect(hash).toBe(vectors().get(id));
      expect(readFileSync(join(out, `${id}.cbor`))).toEqual(Buffer.from(bytes));
      expect(run.stdout).toContain(`hash ${hash}`);
      expect(Buffer.from(modelHash(MODELS[name] as AnyModel)).toString("hex")).toBe(hash);
    });
  }

  it("the spec lists a vector for each of the four models", () => {
    expect([...vectors().keys()].sort()).toEqual(["hearth.aircon", "hearth.fridge", "hearth.vacuum", "hearth.washer"]);
  });
});
