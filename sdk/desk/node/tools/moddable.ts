import { build, transformSync } from "esbuild";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { DEV_BOARDS, type DevBoard, type DevWiring } from "../../../../boards/dev/index.js";
import type { FlashLayout } from "../../../../hal/h1.js";
import type { Image, ImageHeader } from "../../../../os/boot/image.js";
import { buildImage } from "../../../../os/boot/signing.js";
import { constTopLevel } from "./const-pass.js";
import { XS_STACK_SLOTS } from "../xs/xs-mcu.js";

/** Moddable's platform (`mcconfig -p`) for each dev board the target knows. */
export const MODDABLE_PLATFORMS: Readonly<Record<keyof typeof DEV_BOARDS, string>> = {
  "esp32-devkitc": "esp32",
  "esp32-s3-devkitc-1": "esp32/esp32s3",
};

/** The dev board by id, or undefined: the boards Hearth's Moddable target builds for. */
export function moddableBoard(id: string): DevBoard | undefined {
  return Object.hasOwn(MODDABLE_PLATFORMS, id) ? DEV_BOARDS[id] : undefined;
}

/** What the device needs to reach its broker, written into the project at build time. */
export interface Provisioning {
  deviceId: string;
  /** The broker's host and port; TLS when `caDer` is given. */
  host: string;
  port: number;
  /** The device's login (an HMAC credential, sdk/protocol/credentials.ts). */
  user: string;
  password: string;
  /** The broker's CA certificate, DER (mqtts). */
  caDer?: Uint8Array;
}

/** The data partition the build declares for Hearth (partitions.csv): boot state, two image slots, kv store, log. */
export const HEARTH_PARTITION = { name: "hearth", offset: 0x340000, size: 0xc0000 } as const;

/**
 * Where things are in the "hearth" partition, as the binding reports it (`boot().layout`): the
 * boot state and the two slots of signed images the H1 has (os/boot), each large enough for an
 * update's mod archive (130-160 KB for the examples) or the program's own image (95-110 KB), then
 * the kv store and the log, as the H1's.
 */
export const HEARTH_LAYOUT: FlashLayout = {
  boot: { offset: 0, size: 0x8000 },
  slotA: { offset: 0x8000, size: 0x40000 },
  slotB: { offset: 0x48000, size: 0x40000 },
  kv: { offset: 0x88000, size: 0x20000 },
  log: { offset: 0xa8000, size: 0x18000 },
};

/** XS's mod partition (type 0x40, subtype 1: the one XS maps an archive from at boot): the running update's archive. Moddable's default size. */
export const MOD_PARTITION = { name: "xs", offset: 0x300000, size: 0x40000 } as const;

/** The module an update's archive holds (the image's bundle), as main.js imports it from the mod. */
export const MOD_MODULE = "hearth-update";

/**
 * Writes a Moddable SDK project that runs a firmware image's bundle on an
 * ESP32 dev board with XS: manifest.json (the device's provisioning in its
 * config), partitions.csv, the bundle as a module, the native binding
 * contract (hal/moddable/binding.ts) and the network it connects with, the
 * boot ROM's rules for updates (hearth-boot.js) and the Ed25519 verifier they
 * need (hearth-ed25519.js), the signed image itself (hearth-factory.hfw, a
 * resource), and `update/`, where an update's mod archive is built.
 * `mcconfig -d -m -p <platform>` in the folder builds and flashes it. The
 * image must have been built for this board (buildFirmware's `devBoard`), so
 * its parts are on the board's pins; `wiring` is that wiring (its UARTs'
 * pins go into the manifest); `publicKey` is the key its images are signed
 * with. Returns the files and Moddable's platform. Node-only.
 */
export async function writeModdableProject(out: string, image: Image, board: DevBoard, wiring: DevWiring | undefined, provisioning: Provisioning, publicKey: Uint8Array): Promise<{ files: string[]; platform: string }> {
  const platform = MODDABLE_PLATFORMS[board.id as keyof typeof MODDABLE_PLATFORMS];
  if (platform === undefined) throw new Error(`the Moddable target knows boards ${Object.keys(MODDABLE_PLATFORMS).join(", ")}, not ${board.id}`);
  if (publicKey.length !== 32) throw new Error(`the public key images are signed with is 32 bytes, not ${publicKey.length}`);
  const uarts = Object.fromEntries(Object.values(wiring?.parts ?? {}).flatMap((p) => (p.kind === "uart" ? [[p.port, { tx: p.tx, rx: p.rx }]] : [])));
  mkdirSync(join(out, "update"), { recursive: true });
  const tls = provisioning.caDer !== undefined;
  const files: Record<string, string | Uint8Array> = {
    "manifest.json": `${JSON.stringify(manifest(platform, board, image.version.join("."), provisioning, uarts, publicKey), null, 2)}\n`,
    "partitions.csv": PARTITIONS,
    "main.js": MAIN,
    "hearth-image.js": new TextDecoder().decode(image.bundle),
    "hearth-native.js": bindingSource(),
    "hearth-network.js": tls ? NETWORK_TLS : NETWORK,
    "hearth-boot.js": await hostModule("sdk/device/runtime/mod-boot", "hearth-boot: the boot ROM's rules (os/boot) for updates as mods (sdk/device/runtime/mod-boot.ts)", { "@noble/hashes/sha2.js": "sdk/device/runtime/chip-sha256" }),
    "hearth-ed25519.js": await hostModule("hal/moddable/ed25519", "hearth-ed25519: Ed25519 verification, @noble/curves with SHA-512 from Moddable's crypt (hal/moddable/ed25519.ts)", { "@noble/hashes/sha2.js": "hal/moddable/sha512" }, NOBLE_FROZEN),
    "hearth-factory.hfw": image.bytes,
    "update/manifest.json": MOD_MANIFEST,
    [`update/${MOD_MODULE}.js`]: image.bundle,
    "README.md": readme(image, board, platform),
    ...(tls ? { "hearth-ca.der": provisioning.caDer as Uint8Array } : {}),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(out, name), content);
  return { files: Object.keys(files), platform };
}

/** An update's project for mcrun: `update/` in the export, with the new image's bundle as the mod's module. */
export function writeModdableUpdate(dir: string, image: Image): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "manifest.json"), MOD_MANIFEST);
  writeFileSync(join(dir, `${MOD_MODULE}.js`), image.bundle);
}

/**
 * A signed update for a dev board: the mod archive mcrun built (Moddable's .xsa) as the bundle of
 * a Hearth image (os/boot/IMAGE.md), for the board, at `version` and `securityCounter`. The board
 * checks it as the H1 checks any image (hash, signature, board, counter, exact size), and runs it
 * as a mod (sdk/device/runtime/mod-boot.ts).
 */
export function moddableUpdateImage(archive: Uint8Array, header: Omit<ImageHeader, "bundleBytes" | "bundleSha256">, secretKey: Uint8Array): Image {
  if (archive.length < 8 || new TextDecoder().decode(archive.subarray(4, 8)) !== "XS_A") throw new Error("not a Moddable mod archive (an .xsa file starts with its size and XS_A)");
  if (new DataView(archive.buffer, archive.byteOffset, archive.byteLength).getUint32(0) !== archive.length) throw new Error(`the archive says it is ${new DataView(archive.buffer, archive.byteOffset).getUint32(0)} bytes; the file has ${archive.length}`);
  if (archive.length > MOD_PARTITION.size) throw new Error(`the archive (${archive.length} bytes) is larger than the board's mod partition (${MOD_PARTITION.size})`);
  return buildImage(header, archive, secretKey);
}

/** A module-level object of a package that a preloaded host module freezes where it is made: the exact text, and what it becomes. */
interface Frozen {
  file: RegExp;
  find: string;
  replace: string;
}

/**
 * @noble/curves' (and @noble/hashes') objects its verify reaches, frozen where they are made, so
 * that Moddable's linker keeps them in flash with no alias ("not frozen"): two WeakMaps (freezing
 * one leaves its entries as they were; preloaded, XS keeps those in ROM and
 * hal/moddable/ed25519.ts fills them at build time), two tables (hex digits, a field's method
 * names), ed25519.verify's default options and the curve's scalar multiplier. A verify writes
 * none of them once loaded (the fake ESP32's preload, and its update test, would throw). A noble
 * that no longer has one of these texts fails the build by name.
 */
const NOBLE_FROZEN: readonly Frozen[] = [
  { file: /@noble\/curves\/abstract\/curve\.js$/, find: "const pointWindowSizes = new WeakMap();", replace: "const pointWindowSizes = Object.freeze(new WeakMap());" },
  { file: /@noble\/curves\/abstract\/modular\.js$/, find: "const FIELD_SQRT = new WeakMap();", replace: "const FIELD_SQRT = Object.freeze(new WeakMap());" },
  { file: /@noble\/hashes\/utils\.js$/, find: "const hexes = /* @__PURE__ */ Array.from(", replace: "const hexes = /* @__PURE__ */ Object.freeze(Array.from(" },
  { file: /@noble\/hashes\/utils\.js$/, find: "i.toString(16).padStart(2, '0'));", replace: "i.toString(16).padStart(2, '0')));" },
  { file: /@noble\/curves\/abstract\/edwards\.js$/, find: "const verifyOpts = {\n        zip215: opts.zip215,\n    };", replace: "const verifyOpts = Object.freeze({ zip215: opts.zip215 });" },
  { file: /@noble\/curves\/abstract\/modular\.js$/, find: "const FIELD_FIELDS = [", replace: "const FIELD_FIELDS = /* @__PURE__ */ Object.freeze([" },
  { file: /@noble\/curves\/abstract\/modular\.js$/, find: "'addN', 'subN', 'mulN', 'sqrN'\n];", replace: "'addN', 'subN', 'mulN', 'sqrN'\n]);" },
  // Its one field set later (baseCanBeBlinded) is for secret multiplication: signing, never a verify.
  { file: /@noble\/curves\/abstract\/edwards\.js$/, find: "const wnaf = new ScalarMultiplier(Point, randomBytes);", replace: "const wnaf = Object.freeze(new ScalarMultiplier(Point, randomBytes));" },
];

/** A package file's source with the objects `frozen` names frozen; undefined (esbuild reads it) when it names none there. */
function frozenSource(path: string, frozen: readonly Frozen[]): { contents: string; loader: "js" } | undefined {
  const mine = frozen.filter((f) => f.file.test(path.replaceAll("\\", "/")));
  if (mine.length === 0) return undefined;
  let contents = readFileSync(path, "utf8");
  for (const f of mine) {
    if (!contents.includes(f.find)) throw new Error(`${path} no longer has ${JSON.stringify(f.find)}: update NOBLE_FROZEN in sdk/desk/node/tools/moddable.ts`);
    contents = contents.replace(f.find, f.replace);
  }
  return { contents, loader: "js" };
}

const MOD_MANIFEST = `${JSON.stringify({ modules: { "*": [`./${MOD_MODULE}`] } }, null, 2)}\n`;

/** Hearth's sources: this file is in sdk/desk/node/tools/, or in dist/sdk/desk/node/tools/ when compiled. */
function hearthRoot(): { root: string; compiled: boolean } {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const compiled = here.includes(`${sep}dist${sep}`);
  return { root: resolve(here, compiled ? "../../../../.." : "../../../.."), compiled };
}

/**
 * One of the project's own host modules, bundled from Hearth's sources (TypeScript, or the compiled
 * dist/): one ES module, its imports of Moddable's modules left to mcconfig, `aliases` in place of
 * the packages they name, its never-assigned top-level bindings `const` (it is preloaded: const-pass.ts).
 */
async function hostModule(entry: string, title: string, aliases: Record<string, string>, frozen: readonly Frozen[] = []): Promise<string> {
  const { root, compiled } = hearthRoot();
  // The compiled module where there is one (dist/ leaves out hal/moddable, which is only ever bundled), else the source.
  const file = (path: string): string => {
    const js = join(root, "dist", `${path}.js`);
    return compiled && existsSync(js) ? js : join(root, `${path}.ts`);
  };
  const result = await build({
    entryPoints: [file(entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
    external: ["crypt"],
    plugins: [
      { name: "hearth-host-aliases", setup: (b) => b.onResolve({ filter: /^@noble\/hashes\/sha2(\.js)?$/ }, (a) => ({ path: file((aliases[a.path.endsWith(".js") ? a.path : `${a.path}.js`] ?? "") as string) })) },
      { name: "hearth-frozen", setup: (b) => b.onLoad({ filter: /\.js$/ }, (a) => frozenSource(a.path, frozen)) },
    ],
  });
  const code = (await constTopLevel(result.outputFiles[0]?.text ?? "")).code;
  return `/* ${title}. Written by hearth build. */\n${code}`;
}

function manifest(platform: string, board: DevBoard, firmware: string, p: Provisioning, uarts: Readonly<Record<number, { tx: number; rx: number }>>, publicKey: Uint8Array): object {
  const tls = p.caDer !== undefined;
  return {
    build: { PARTITIONS_FILE: "./partitions.csv" },
    include: [
      "$(MODDABLE)/examples/manifest_base.json",
      "$(MODDABLE)/examples/manifest_net.json",
      "$(MODDABLE)/modules/io/manifest.json",
      "$(MODDABLE)/modules/io/flash/esp32/manifest.json",
      "$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json",
      ...(tls ? ["$(MODDABLE)/modules/crypt/tls_419.json", "$(MODDABLE)/examples/io/tcp/tlssocket/manifest.json"] : []),
      "$(MODDABLE)/modules/crypt/digest/manifest.json",
      "$(MODDABLE)/modules/files/preference/manifest.json",
      // Modules.importNow, to load the update's module from the archive XS mapped (main.js).
      "$(MODDABLE)/modules/base/modules/manifest.json",
    ],
    // XS maps a mod archive from its partition at boot (xs/platforms/esp/xsHost.c): Moddable's switch for it.
    defines: { XS_MODS: 1 },
    modules: { "*": ["./main", "./hearth-native", "./hearth-network", "./hearth-boot", "./hearth-ed25519"], "hearth-image": "./hearth-image" },
    preload: ["hearth-image", "hearth-native", "hearth-network", "hearth-boot", "hearth-ed25519"],
    resources: { "*": ["./hearth-factory", ...(tls ? ["./hearth-ca"] : [])] },
    creation: { static: 0, chunk: { initial: 65536, incremental: 4096 }, heap: { initial: 4096, incremental: 1024 }, stack: XS_STACK_SLOTS },
    config: {
      hearth: {
        board: board.id,
        firmware,
        deviceId: p.deviceId,
        broker: p.host,
        port: p.port,
        user: p.user,
        password: p.password,
        tls,
        partition: HEARTH_PARTITION.name,
        layout: HEARTH_LAYOUT,
        publicKey: Buffer.from(publicKey).toString("hex"),
        uarts,
      },
    },
    platforms: { [platform]: {}, "...": { error: "Hearth's Moddable target is written for ESP32 boards" } },
  };
}

/**
 * ESP-IDF's partition table: Moddable's program (the factory app), XS's mod partition (an
 * update's archive, mapped at boot), and Hearth's data partition (HEARTH_LAYOUT: boot state, the
 * two slots of signed images, kv, log). One app partition: updates are mods, never a whole program.
 */
const PARTITIONS = `# Name,  Type, SubType, Offset,   Size
# Written by hearth build --target moddable: a 4 MB flash.
# factory: Moddable's program with the image preloaded. xs: the archive of the update that runs (XS maps it at boot).
# ${HEARTH_PARTITION.name}: Hearth's boot state, image slots A and B (signed images: the program's own, or an update's archive), kv store, log.
nvs,      data, nvs,     0x9000,   0x6000,
phy_init, data, phy,     0xf000,   0x1000,
factory,  app,  factory, 0x10000,  0x${(MOD_PARTITION.offset - 0x10000).toString(16)},
${MOD_PARTITION.name},       0x40, 1,       0x${MOD_PARTITION.offset.toString(16)}, 0x${MOD_PARTITION.size.toString(16)},
${HEARTH_PARTITION.name},   data, 0x40,    0x${HEARTH_PARTITION.offset.toString(16)}, 0x${HEARTH_PARTITION.size.toString(16)},
`;

const MAIN = `/*
 * A Hearth firmware image on Moddable XS. hearth-boot runs the boot rules the H1's boot ROM runs
 * (os/boot): it chooses the program's own image or an update's, copies an update's archive into
 * XS's mod partition (and restarts once for XS to map it) and starts the chosen image's engine
 * over the native binding.
 */
import { engine } from "hearth-image";
import { bind, modPartition } from "hearth-native";
import { bootImage } from "hearth-boot";
import Modules from "modules";
import Resource from "Resource";

bootImage({
  factory: engine,
  factoryImage: new Uint8Array(new Resource("hearth-factory.hfw")),
  bind,
  mods: modPartition(),
  importMod: () => Modules.importNow("${MOD_MODULE}", true),
});
`;

/** The network the binding's MQTT client runs over: ECMA-419's TCP (and TLS) socket and DNS resolver. */
const NETWORK = `/* The binding's network: ECMA-419's MQTT client over TCP, names through DNS. */
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import MQTTClient from "embedded:network/mqtt/client";

// Frozen, all the way down: preloaded, it stays in flash with no RAM alias (XS's linker, "not frozen").
const freeze = Object.freeze;
export default freeze({ io: MQTTClient, dns: freeze({ io: Resolver, servers: freeze(["1.1.1.1", "8.8.8.8"]), socket: freeze({ io: UDP }) }), socket: freeze({ io: TCP }) });
`;
const NETWORK_TLS = `/* The binding's network: ECMA-419's MQTT client over TLS, names through DNS. */
import TCP from "embedded:io/socket/tcp";
import TLSSocket from "embedded:io/socket/tcp/tls";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import MQTTClient from "embedded:network/mqtt/client";

// Frozen, all the way down: preloaded, it stays in flash with no RAM alias (XS's linker, "not frozen").
const freeze = Object.freeze;
export default freeze({ io: MQTTClient, dns: freeze({ io: Resolver, servers: freeze(["1.1.1.1", "8.8.8.8"]), socket: freeze({ io: UDP }) }), socket: freeze({ io: TLSSocket, TCP: freeze({ io: TCP }) }) });
`;

/**
 * The binding's JavaScript: hal/moddable/binding.ts (type-checked against the
 * contract by tsconfig.moddable.json) with its types stripped. It is found in
 * the package's sources, whether this runs from them or from dist/.
 */
export function bindingSource(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const root = resolve(here, here.includes(`${sep}dist${sep}`) ? "../../../../.." : "../../../..");
  const source = readFileSync(join(root, "hal/moddable/binding.ts"), "utf8");
  return transformSync(source, { loader: "ts", format: "esm", target: "es2022" }).code;
}

function readme(image: Image, board: DevBoard, platform: string): string {
  return `# Hearth firmware ${image.version.join(".")} for Moddable on the ${board.name}

Made by \`hearth build --target moddable --board ${board.id}\`.

- \`hearth-image.js\`: the firmware image's bundle, built for this board: its parts are on this board's pins
  (boards/dev/${board.id}.ts in Hearth says which, and why).
- \`hearth-native.js\`: Hearth's native binding contract (hal/NATIVE.md) on Moddable: ECMA-419's
  \`embedded:io/*\` and \`embedded:storage/flash\` (the "${HEARTH_PARTITION.name}" partition of partitions.csv),
  \`Time\` and \`Timer\`, \`Digest\` for SHA-256, ECMA-419's MQTT client at QoS 1 with the offline will.
- \`hearth-network.js\`: the sockets and DNS resolver the MQTT client uses.
- \`hearth-boot.js\`: the boot rules of Hearth's bootloader (os/boot), which choose the image that runs.
  \`hearth-ed25519.js\`: the Ed25519 check of an image's signature (@noble/curves; SHA-512 from Moddable's \`crypt\`).
- \`hearth-factory.hfw\`: this image, signed, as a resource: the first boot installs it in a slot.
- \`main.js\`: boots (hearth-boot) and starts the chosen image's engine. \`manifest.json\`: preloads the modules, and
  holds the device's provisioning (\`config.hearth\`: device id, broker, login, the key images are signed with) given at build time.
- \`update/\`: where an update's mod archive is built (below).

Build and flash with the Moddable SDK installed: \`mcconfig -d -m -p ${platform}\` (add \`ssid=... password=...\`
for Wi-Fi). The serial console then shows the firmware's log records (\`info link: ...\`).

## Updates over the air

The program is built and flashed once, over USB. An update is the new firmware's image compiled by
Moddable's own tools into a mod archive, wrapped as a signed Hearth image, and sent with \`hearth ota\` as
to any Hearth device. The board checks it as Hearth's bootloader checks every image (the SHA-256 the
offer gave, its hash, its Ed25519 signature, its board, its security counter, its exact size), keeps it
in slot A or B of the "${HEARTH_PARTITION.name}" partition (a download resumes where it stopped), and
restarts into it on trial: hearth-boot copies its archive into XS's mod partition "${MOD_PARTITION.name}",
restarts once so XS maps it, and runs it. The new firmware is kept once it has reached the cloud and
passed its self-tests; one that never does is left at the next restart (after 10 minutes at most), and
the image before it runs again.

1. \`hearth build PATH --target moddable --board ${board.id} --fw-version X.Y.Z --counter N ... --out NEW\`
   for the new firmware, with the same key. \`NEW/update/\` is the mod's project: the new image as \`${MOD_MODULE}.js\`.
   (This export's own \`update/\` holds this firmware the same way.)
2. \`cd NEW/update && mcrun -p ${platform}\` builds the archive (mcrun names the .xsa it wrote). Do not add
   \`-d -m\`: that would install it over USB, unsigned, and the board would not know it.
3. Wrap and sign it: \`moddableUpdateImage(archive, { board: "${board.id}", version, securityCounter }, secretKey)\`
   in Hearth's sdk/desk/node/tools/moddable.ts writes the image (no command does this yet), and
   \`hearth ota FILE --to ID\` rolls it out.

Why a mod, and not Moddable's whole-firmware OTA: the program would have to be built with ESP-IDF for
every update, and Moddable's \`ota\` module cannot confirm a trial boot, so it could not go back to the
old firmware by itself. A mod needs only mcrun, and the trial and the way back are Hearth's own.
What an update cannot change: the program (XS, Moddable's modules, the binding, hearth-boot); those
change over USB. An update built for another program (another Moddable version) fails its trial.

A software watchdog restarts the chip when the firmware stops feeding it.
`;
}
