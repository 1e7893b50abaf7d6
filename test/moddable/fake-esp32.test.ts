import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_BOARDS, type DevBoard } from "../../boards/dev/index.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { writeModdableProject } from "../../sdk/desk/node/tools/moddable.js";
import { FAKED, FakeEsp32 } from "../support/fake-esp32.js";
import { definesMember, exportsOf, moduleSources } from "../support/moddable-modules.js";
import { moddableSource, moddableTools } from "../support/moddable-sdk.js";
import { keys } from "../support/ota.js";

/**
 * The fake ESP32 (test/support/fake-esp32.ts) held to Moddable's real modules, the ones mcconfig
 * picks for an export on esp32: each module it fakes exists there, exports nothing Moddable's
 * does not, and each member it offers (a static, a method, an accessor) is defined in the real
 * source or a module that source imports. A fake that agreed only with the binding (a default
 * export where Moddable has none, a method Moddable lacks) fails here.
 */
const source = moddableSource();
const work = mkdtempSync(join(tmpdir(), "hearth-moddable-fake-"));
/** Made by mcconfig from the manifest's config, not a source file. */
const GENERATED = ["mc/config"];
/** FakeMqtt's methods for the test playing the broker; the binding never calls them. */
const TEST_SIDE = ["connack", "deliver"];
let sources: Map<string, string>;
const esp = new FakeEsp32({ partition: "hearth" });
const faked = esp.modules();

describe.skipIf(source === undefined)("the fake ESP32 offers nothing Moddable's modules lack", () => {
  beforeAll(async () => {
    const tools = await moddableTools(source as string);
    if (tools.builtIn !== undefined) console.log(`moddable-fake: host tools built in ${tools.builtIn.toFixed(1)} s`);
    const board = DEV_BOARDS["esp32-devkitc"] as DevBoard;
    const { image, devWiring } = await buildFirmware({ entry: "examples/washer", board: board.id, version: [1, 0, 0], securityCounter: 1, secretKey: keys.secretKey, devBoard: board });
    await writeModdableProject(work, image, board, devWiring, { deviceId: "d", host: "h", port: 1883, user: "d", password: "p" }, keys.publicKey);
    sources = await moduleSources(tools, work, "esp32");
  }, 15 * 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const name of [...FAKED, "crypt", "system"].filter((n) => !GENERATED.includes(n))) {
    it(`${name}: Moddable's build has it, and it exports and defines all the fake offers`, async () => {
      const real = sources.get(name);
      expect(real, `${name}: no such module in Moddable's esp32 build`).toBeDefined();
      const text = withImports(real as string);
      const realExports = await exportsOf(readFileSync(real as string, "utf8"));
      const fakeExports = await exportsOf(FakeEsp32.moduleSource(name));
      expect(fakeExports.filter((e) => !realExports.includes(e)), `${name}: exports the fake offers and ${real} does not (it exports ${realExports.join(", ") || "nothing"})`).toEqual([]);
      const value = faked[name];
      const offered = name === "crypt" ? members((value as { Digest: unknown }).Digest) : name === "hearth-network" ? [] : members(value);
      expect(offered.filter((m) => !definesMember(text, m)), `${name}: members the fake offers that ${real} does not define`).toEqual([]);
    });
  }

  it("the partition embedded:storage/flash opens, and the MQTT client hearth-network gives, define what the fake's do", () => {
    const flash = sources.get("embedded:storage/flash") as string;
    const partition = (faked["embedded:storage/flash"] as { open(o: { path: string }): object }).open({ path: "hearth" });
    expect(members(partition).filter((m) => !definesMember(withImports(flash), m))).toEqual([]);
    const mqtt = sources.get("embedded:network/mqtt/client") as string;
    const client = (faked["hearth-network"] as { io: unknown }).io;
    expect(members(client).filter((m) => !TEST_SIDE.includes(m) && !definesMember(withImports(mqtt), m))).toEqual([]);
  });

  it("the check can fail: a member or export Moddable lacks is named", async () => {
    expect(definesMember(withImports(sources.get("timer") as string), "setTimeout")).toBe(false);
    expect(await exportsOf(readFileSync(sources.get("system") as string, "utf8"))).toEqual([]);
    expect(await exportsOf("export default globalThis.System;")).toEqual(["default"]);
  });
});

/** A module's source and the sources of the modules it imports (a class's methods may be its base's). */
function withImports(path: string, seen = new Set<string>()): string {
  if (seen.has(path)) return "";
  seen.add(path);
  const text = readFileSync(path, "utf8");
  const imported = [...text.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)].map((m) => sources.get(m[1] as string)).filter((p): p is string => p !== undefined);
  return [text, ...imported.map((p) => withImports(p, seen))].join("\n");
}

/** The statics and prototype methods of a class, or an object's own keys (getters included). */
function members(value: unknown): string[] {
  if (typeof value === "function") {
    const statics = Object.getOwnPropertyNames(value).filter((n) => !["length", "name", "prototype"].includes(n));
    const proto = value.prototype as object | undefined;
    const methods = proto === undefined || proto === ArrayBuffer.prototype ? [] : Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor");
    const base = Object.getPrototypeOf(value) as unknown;
    return [...statics, ...methods, ...(typeof base === "function" && base !== Function.prototype && base !== ArrayBuffer ? members(base) : [])];
  }
  return typeof value === "object" && value !== null ? Object.getOwnPropertyNames(value) : [];
}
