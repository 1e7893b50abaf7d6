import { transformSync } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Image } from "../../../os/boot/image.js";

/** Boards the Moddable target knows: Moddable's platform name, and which pins the firmware's H1 pins land on. */
export const MODDABLE_BOARDS: Record<string, { platform: string; note: string }> = {
  esp32: { platform: "esp32", note: "an ESP32 dev board (ESP32-DevKitC and the like)" },
};

/**
 * Writes a Moddable SDK project that runs a firmware image's bundle on an
 * ESP32 with XS: manifest.json, the bundle as a module, and the native
 * binding contract (hal/NATIVE.md) over ECMA-419's `embedded:io/*`, Timer,
 * Moddable's flash partition and its MQTT client. `mcconfig -d -m -p esp32`
 * in the folder builds and flashes it. Node-only.
 */
export function writeModdableProject(out: string, image: Image, board: string): string[] {
  const target = MODDABLE_BOARDS[board];
  if (target === undefined) throw new Error(`the Moddable target knows boards ${Object.keys(MODDABLE_BOARDS).join(", ")}, not ${board}`);
  mkdirSync(out, { recursive: true });
  const files: Record<string, string> = {
    "manifest.json": `${JSON.stringify(manifest(target.platform, board, image.version.join(".")), null, 2)}\n`,
    "main.js": MAIN,
    "hearth-image.js": new TextDecoder().decode(image.bundle),
    "hearth-native.js": nativeBinding(),
    "README.md": readme(image, board, target.note),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  return Object.keys(files);
}

function manifest(platform: string, board: string, firmware: string): object {
  return {
    include: ["$(MODDABLE)/examples/manifest_base.json", "$(MODDABLE)/examples/manifest_net.json", "$(MODDABLE)/modules/io/manifest.json", "$(MODDABLE)/modules/network/mqtt/manifest.json", "$(MODDABLE)/modules/crypt/digest/manifest.json", "$(MODDABLE)/modules/files/flash/manifest.json", "$(MODDABLE)/modules/files/preference/manifest.json"],
    modules: { "*": ["./main", "./hearth-native"], "hearth-image": "./hearth-image" },
    preload: ["hearth-image", "hearth-native"],
    creation: { static: 0, chunk: { initial: 65536, incremental: 4096 }, heap: { initial: 4096, incremental: 1024 }, stack: 512 },
    config: { hearth: { board, firmware, deviceId: "", broker: "", port: 1883, user: "", password: "", partition: "xs" } },
    platforms: { [platform]: {}, "...": { error: "Hearth's Moddable target is written for ESP32 boards" } },
  };
}

const MAIN = `/* A Hearth firmware image on Moddable XS: start its engine over the native binding. */
import { engine } from "hearth-image";
import { bind } from "hearth-native";

engine.start(bind(engine));
`;

/**
 * The binding's JavaScript: hal/moddable/binding.ts (type-checked against the
 * contract by tsconfig.moddable.json) with its types stripped. It is found in
 * the package's sources, whether this runs from them or from dist/.
 */
function nativeBinding(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const root = resolve(here, here.includes(`${sep}dist${sep}`) ? "../../../.." : "../../..");
  const source = readFileSync(join(root, "hal/moddable/binding.ts"), "utf8");
  return transformSync(source, { loader: "ts", format: "esm", target: "es2022" }).code;
}

function readme(image: Image, board: string, note: string): string {
  return `# Hearth firmware ${image.version.join(".")} for Moddable on ${board}

Made by \`hearth build --target moddable --board ${board}\`, for ${note}.

- \`hearth-image.js\`: the firmware image's bundle (the same ES module as in the signed image).
- \`hearth-native.js\`: Hearth's native binding contract (hal/NATIVE.md) on Moddable: ECMA-419's
  \`embedded:io/*\`, \`Time\` and \`Timer\`, a flash partition, \`Digest\` for SHA-256, Moddable's MQTT client.
- \`main.js\`: starts the image's engine.
- \`manifest.json\`: preloads both modules (code in flash, data in the XS heap).

Set the broker and device in \`manifest.json\` (\`config.hearth\`) or at run time with
\`Preference.set("hearth", "deviceId", ...)\`, wire the board's pins as the firmware's board definition
says, then, with the Moddable SDK installed: \`mcconfig -d -m -p ${MODDABLE_BOARDS[board]?.platform ?? board}\`.

On this target the firmware is built into the ESP32's program, so Hearth's updates over the air are
refused (use Moddable's own OTA), the boot partition is unused, and the software watchdog restarts
the chip when the firmware stops feeding it.
`;
}
