import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_BOARDS, type DevBoard } from "../../boards/dev/index.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { MODDABLE_PLATFORMS, writeModdableProject } from "../../sdk/desk/node/tools/moddable.js";
import { linkExport, modArchive, moddableSource, moddableTools, type LinkResult, type ModdableTools } from "../support/moddable-sdk.js";
import { keys } from "../support/ota.js";

/**
 * Every Moddable export (four appliances on both dev boards) compiled and linked by Moddable's
 * own tools, built here from the vendored SDK: mcconfig, then xsc and xsl with the manifest's
 * preloads, as Moddable's esp32 build runs them. What a fake of Moddable cannot catch (an import
 * Moddable's module does not export, a preloaded table left unfrozen) fails here.
 */
const APPLIANCES = ["aircon", "washer", "fridge", "vacuum"] as const;
const PROVISIONING = { deviceId: "dev-1", host: "broker.example", port: 1883, user: "dev-1", password: "v1.0.abc" };

const source = moddableSource();
if (source === undefined) console.warn("moddable-link: no Moddable SDK beside the repository (../shared/moddable-sdk) nor HEARTH_MODDABLE_SDK: skipped (CI fails instead)");
let tools: ModdableTools;
const work = mkdtempSync(join(tmpdir(), "hearth-moddable-link-"));
const results = new Map<string, LinkResult>();
const archives = new Map<string, number>();

async function link(appliance: string, board: string, platform: string, tls = false): Promise<LinkResult> {
  const devBoard = DEV_BOARDS[board] as DevBoard;
  const { image, devWiring } = await buildFirmware({ entry: `examples/${appliance}`, board, version: [1, 0, 0], securityCounter: 1, secretKey: keys.secretKey, devBoard });
  const name = `${appliance} on ${board}${tls ? " (mqtts)" : ""}`;
  const out = join(work, name.replaceAll(/[ ()]+/g, "-"));
  // A CA's bytes are only a resource to the link: any will do.
  await writeModdableProject(out, image, devBoard, devWiring, tls ? { ...PROVISIONING, port: 8883, caDer: new Uint8Array([0x30, 0x82, 0, 0]) } : PROVISIONING, keys.publicKey);
  const result = await linkExport(tools, out, platform);
  results.set(name, result);
  return result;
}

describe.skipIf(source === undefined)("Moddable's own tools build every export", () => {
  beforeAll(async () => {
    tools = await moddableTools(source as string);
    console.log(tools.builtIn === undefined ? `moddable-link: host tools from ${tools.root}` : `moddable-link: host tools built in ${tools.builtIn.toFixed(1)} s`);
  }, 15 * 60_000);
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (results.size > 0) console.log(linkerTable(results));
    if (archives.size > 0) console.log(`mod archives (bytes): ${[...archives].map(([a, n]) => `${a} ${n}`).join(", ")}`);
  });

  for (const appliance of APPLIANCES) {
    for (const [board, platform] of Object.entries(MODDABLE_PLATFORMS)) {
      it(`${appliance} on ${board} (-p ${platform}): mcconfig, xsc and xsl link it with no error and nothing "not frozen"`, async () => {
        expectLinked(`${appliance} on ${board}`, await link(appliance, board, platform));
      }, 120_000);
    }
  }

  // The form an update of the image would take on a dev board (Moddable's mods): the image alone, compiled to an archive.
  for (const appliance of APPLIANCES) {
    it(`${appliance}: its image compiles into a mod archive with mcrun and xsl -a`, async () => {
      const devBoard = DEV_BOARDS["esp32-devkitc"] as DevBoard;
      const { image } = await buildFirmware({ entry: `examples/${appliance}`, board: devBoard.id, version: [1, 0, 1], securityCounter: 2, secretKey: keys.secretKey, devBoard });
      const modDir = join(work, `${appliance}-mod`);
      mkdirSync(modDir, { recursive: true });
      writeFileSync(join(modDir, "hearth-image.js"), image.bundle);
      writeFileSync(join(modDir, "manifest.json"), JSON.stringify({ modules: { "*": ["./hearth-image"] } }));
      const archive = await modArchive(tools, modDir, "esp32");
      const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
      expect(view.getUint32(0), `${appliance}: the archive's atom size`).toBe(archive.length);
      expect(new TextDecoder().decode(archive.subarray(4, 8))).toBe("XS_A");
      archives.set(appliance, archive.length);
    }, 120_000);
  }

  it("aircon on esp32-devkitc over mqtts (TLS socket, the CA as a resource): links, nothing of Hearth's \"not frozen\"", async () => {
    const result = await link("aircon", "esp32-devkitc", "esp32", true);
    expectLinked("aircon on esp32-devkitc (mqtts)", result);
    // Moddable's own TLS modules leave two (its session cache and certificate store change at run time).
    expect(result.warnings.filter((w) => w.kind === "not frozen").map((w) => `${w.module}: ${w.where}`)).toEqual(["ssl/cache: default", "ssl/cert: default.prototype.getKey() globalCerts"]);
  }, 120_000);
});

function expectLinked(name: string, result: LinkResult): void {
  expect(result.errors, `${name}: the Moddable link failed: ${result.errors.join(" | ")}`).toEqual([]);
  expect(result.ok, `${name}: hearth-check.sh failed`).toBe(true);
  const notFrozen = result.warnings.filter((w) => w.kind === "not frozen" && w.module.startsWith("hearth-")).map((w) => `${w.module}: ${w.where}`);
  expect(notFrozen, `${name}: xsl's "not frozen" in Hearth's modules`).toEqual([]);
  // Before the const pass (sdk/desk/node/tools/const-pass.ts) each image had 98-131; what remains are
  // module state a function assigns, and parameters and locals its closures capture.
  const noConst = result.warnings.filter((w) => w.kind === "no const" && w.module === "hearth-image").length;
  expect(noConst, `${name}: xsl's "no const" in the image`).toBeLessThanOrEqual(40);
}

/** The linker's warnings by kind, per export, and how long each link took. */
function linkerTable(results: Map<string, LinkResult>): string {
  const kinds = [...new Set([...results.values()].flatMap((r) => r.warnings.map((w) => w.kind)))].sort();
  // Each kind's count, and by module where more than one has some (hearth-native's include the hearth-ed25519 it imports).
  const count = (r: LinkResult, kind: string): string => {
    const byModule = new Map<string, number>();
    for (const w of r.warnings) if (w.kind === kind) byModule.set(w.module, (byModule.get(w.module) ?? 0) + 1);
    const total = [...byModule.values()].reduce((a, b) => a + b, 0);
    return byModule.size > 1 ? `${total} (${[...byModule].map(([m, n]) => `${m} ${n}`).join(", ")})` : String(total);
  };
  const rows = [...results].map(([name, r]) => `| ${name} | ${r.ok ? "yes" : "NO"} | ${kinds.map((k) => count(r, k)).join(" | ")} | ${r.seconds.toFixed(1)} s |`);
  return [`| export | links | ${kinds.join(" | ")} | time |`, `|---|---|${kinds.map(() => "---|").join("")}---|`, ...rows].join("\n");
}
