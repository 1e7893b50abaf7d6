import { build, transformSync } from "esbuild";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFirmware } from "../../sdk/node/tools/build.js";
import { writeModdableProject } from "../../sdk/node/tools/moddable.js";
import { keys } from "../support/ota.js";

/** Every function of the native binding contract (hal/native.ts), by name. */
const CONTRACT = [
  "boot", "now", "setWake", "digitalOpen", "analogOpen", "pwmOpen", "serialOpen", "ioRead", "ioWrite", "ioClose",
  "flashGeometry", "flashRead", "flashProgram", "flashErase", "watchdogStart", "watchdogFeed", "restart", "random",
  "sha256", "ed25519Verify", "mqttStart", "mqttSubscribe", "mqttPublish", "mqttStop", "panic", "log",
];
/** What a Moddable SDK build provides for these imports. */
const MODDABLE_MODULES = ["embedded:io/digital", "embedded:io/analog", "embedded:io/pwm", "embedded:io/serial", "timer", "time", "flash", "preference", "crypt", "mqtt", "mc/config"];

describe("hearth build --target moddable", () => {
  it("writes a Moddable project: a manifest that preloads the image and its binding, modules that parse, and the whole native contract", async () => {
    const { image } = await buildFirmware({ entry: "examples/aircon", board: "esp32", version: [1, 4, 0], securityCounter: 0, secretKey: keys.secretKey });
    const out = mkdtempSync(join(tmpdir(), "hearth-moddable-"));
    const files = writeModdableProject(out, image, "esp32");
    expect(readdirSync(out).sort()).toEqual([...files].sort());

    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { include: string[]; modules: Record<string, string | string[]>; preload: string[]; platforms: Record<string, unknown>; config: { hearth: Record<string, unknown> } };
    expect(manifest.include).toContain("$(MODDABLE)/examples/manifest_base.json");
    expect(manifest.include).toContain("$(MODDABLE)/modules/io/manifest.json");
    expect(manifest.modules["*"]).toEqual(["./main", "./hearth-native"]);
    expect(manifest.modules["hearth-image"]).toBe("./hearth-image");
    expect(manifest.preload).toEqual(["hearth-image", "hearth-native"]);
    expect(Object.keys(manifest.platforms)).toContain("esp32");
    // The binding reads the board and the firmware version from here (the stub below mirrors it).
    expect(manifest.config.hearth).toMatchObject({ board: "esp32", firmware: "1.4.0" });

    // Every module parses as an ES module and imports only what Moddable (or the project) provides.
    for (const name of files.filter((f) => f.endsWith(".js"))) {
      const source = readFileSync(join(out, name), "utf8");
      expect(() => transformSync(source, { format: "esm", loader: "js" }), name).not.toThrow();
      for (const [, specifier] of source.matchAll(/\bfrom\s*"([^"]+)"/g)) expect([...MODDABLE_MODULES, "hearth-image", "hearth-native"], `${name} imports ${specifier}`).toContain(specifier);
    }
    expect(readFileSync(join(out, "hearth-image.js"))).toEqual(Buffer.from(image.bundle));

    // The binding, with Moddable's modules stubbed: it has every function of the contract and says it takes no updates.
    const stubs = {
      name: "moddable-stubs",
      setup(b: import("esbuild").PluginBuild) {
        b.onResolve({ filter: /^(embedded:|timer$|time$|flash$|preference$|crypt$|mqtt$|mc\/config$)/ }, (a) => ({ path: a.path, namespace: "stub" }));
        b.onLoad({ filter: /.*/, namespace: "stub" }, (a) => ({
          contents:
            a.path === "mc/config"
              ? "export default { hearth: { deviceId: 'dev-1', board: 'esp32', firmware: '1.4.0' } };"
              : a.path === "flash"
                ? "export default class { constructor() { this.byteLength = 65536; this.blockSize = 4096; } };"
                : a.path === "preference"
                  ? "export default { get: () => undefined };"
                  : a.path === "time"
                    ? "export default { ticks: 42 };"
                    : a.path === "crypt"
                      ? "export class Digest {}"
                      : "export default class {};",
        }));
      },
    };
    const bundled = await build({ entryPoints: [join(out, "hearth-native.js")], bundle: true, format: "esm", write: false, plugins: [stubs], logLevel: "silent" });
    const module = (await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0]?.contents ?? []).toString("base64")}`)) as { bind(engine: unknown): Record<string, unknown> & { boot(): { updates: boolean; firmware: string; board: string; deviceId: string } } };
    const native = module.bind({});
    expect(Object.keys(native).filter((k) => k !== "version").sort()).toEqual([...CONTRACT].sort());
    expect(native["version"]).toBe(1);
    expect(native.boot()).toMatchObject({ updates: false, firmware: "1.4.0", board: "esp32", deviceId: "dev-1" });
  });
});
