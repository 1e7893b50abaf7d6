import { transformSync } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { DEV_BOARDS, type DevBoard, type DevWiring } from "../../../../boards/dev/index.js";
import type { Image } from "../../../../os/boot/image.js";
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

/** The storage partition the build declares: Hearth's kv and log, in partitions.csv. */
export const HEARTH_PARTITION = { name: "hearth", offset: 0x310000, size: 0xf0000 } as const;

/**
 * Writes a Moddable SDK project that runs a firmware image's bundle on an
 * ESP32 dev board with XS: manifest.json (the device's provisioning in its
 * config), partitions.csv, the bundle as a module, the native binding
 * contract (hal/moddable/binding.ts) and the network it connects with.
 * `mcconfig -d -m -p <platform>` in the folder builds and flashes it. The
 * image must have been built for this board (buildFirmware's `devBoard`), so
 * its parts are on the board's pins; `wiring` is that wiring (its UARTs'
 * pins go into the manifest). Returns the files and Moddable's platform. Node-only.
 */
export function writeModdableProject(out: string, image: Image, board: DevBoard, wiring: DevWiring | undefined, provisioning: Provisioning): { files: string[]; platform: string } {
  const platform = MODDABLE_PLATFORMS[board.id as keyof typeof MODDABLE_PLATFORMS];
  if (platform === undefined) throw new Error(`the Moddable target knows boards ${Object.keys(MODDABLE_PLATFORMS).join(", ")}, not ${board.id}`);
  const uarts = Object.fromEntries(Object.values(wiring?.parts ?? {}).flatMap((p) => (p.kind === "uart" ? [[p.port, { tx: p.tx, rx: p.rx }]] : [])));
  mkdirSync(out, { recursive: true });
  const tls = provisioning.caDer !== undefined;
  const files: Record<string, string | Uint8Array> = {
    "manifest.json": `${JSON.stringify(manifest(platform, board, image.version.join("."), provisioning, uarts), null, 2)}\n`,
    "partitions.csv": PARTITIONS,
    "main.js": MAIN,
    "hearth-image.js": new TextDecoder().decode(image.bundle),
    "hearth-native.js": bindingSource(),
    "hearth-network.js": tls ? NETWORK_TLS : NETWORK,
    "README.md": readme(image, board, platform),
    ...(tls ? { "hearth-ca.der": provisioning.caDer as Uint8Array } : {}),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(out, name), content);
  return { files: Object.keys(files), platform };
}

function manifest(platform: string, board: DevBoard, firmware: string, p: Provisioning, uarts: Readonly<Record<number, { tx: number; rx: number }>>): object {
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
    ],
    modules: { "*": ["./main", "./hearth-native", "./hearth-network"], "hearth-image": "./hearth-image" },
    preload: ["hearth-image", "hearth-native", "hearth-network"],
    ...(tls ? { resources: { "*": ["./hearth-ca"] } } : {}),
    creation: { static: 0, chunk: { initial: 65536, incremental: 4096 }, heap: { initial: 4096, incremental: 1024 }, stack: XS_STACK_SLOTS },
    config: {
      hearth: { board: board.id, firmware, deviceId: p.deviceId, broker: p.host, port: p.port, user: p.user, password: p.password, tls, partition: HEARTH_PARTITION.name, uarts },
    },
    platforms: { [platform]: {}, "...": { error: "Hearth's Moddable target is written for ESP32 boards" } },
  };
}

/** ESP-IDF's partition table: Moddable's program, and Hearth's storage in a data partition of its own. */
const PARTITIONS = `# Name,  Type, SubType, Offset,   Size
# Written by hearth build --target moddable: a 4 MB flash; Hearth's kv and log in "${HEARTH_PARTITION.name}".
nvs,      data, nvs,     0x9000,   0x6000,
phy_init, data, phy,     0xf000,   0x1000,
factory,  app,  factory, 0x10000,  0x300000,
${HEARTH_PARTITION.name},   data, 0x40,    0x${HEARTH_PARTITION.offset.toString(16)}, 0x${HEARTH_PARTITION.size.toString(16)},
`;

const MAIN = `/* A Hearth firmware image on Moddable XS: start its engine over the native binding. */
import { engine } from "hearth-image";
import { bind } from "hearth-native";

engine.start(bind(engine));
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
- \`main.js\`: starts the image's engine. \`manifest.json\`: preloads the modules, and holds the device's
  provisioning (\`config.hearth\`: device id, broker, login) given at build time.

Build and flash with the Moddable SDK installed: \`mcconfig -d -m -p ${platform}\` (add \`ssid=... password=...\`
for Wi-Fi). The serial console then shows the firmware's log records (\`info link: ...\`).

On this target the firmware is built into the ESP32's program, so Hearth's updates over the air are
refused; \`partitions.csv\` has a single app partition (factory), so Moddable's OTA module has no
second one to write either: update this board over USB (\`mcconfig -d -m\`). A software watchdog
restarts the chip when the firmware stops feeding it.
`;
}
