import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const checker = join(root, "test/layers/check.mjs");

function layers(tree: string): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, [checker, tree], { encoding: "utf8", timeout: 60_000 });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

/** A scratch copy of the sources (node_modules linked, not copied). */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-layers-"));
  cpSync(root, dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist|\.git|\.hearth|bench-results)$/.test(src) });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** One violation of each kind, each with the words the checker must say about it. */
const PLANTS: { file: string; line: string; named: RegExp }[] = [
  { file: "hal/errors.ts", line: 'import "../sdk/device/device.js";', named: /hal\/errors\.ts -> sdk\/device\/device\.ts: hal may import only hal/ },
  { file: "os/clock.ts", line: 'export { HearthError } from "../sdk/thing/errors.js";', named: /os\/clock\.ts -> sdk\/thing\/errors\.ts: os may import only os and hal/ },
  { file: "sdk/device/link/backoff.ts", line: 'export const lazy = () => import("../../desk/sim/network.js");', named: /sdk\/device\/link\/backoff\.ts -> sdk\/desk\/sim\/network\.ts: sdk\/device\/link may not import sdk\/desk\/sim/ },
  { file: "sdk/desk/sim/network.ts", line: 'export type { MqttTransport } from "../node/mqtt/transport.js";', named: /sdk\/desk\/sim\/network\.ts -> sdk\/desk\/node\/mqtt\/transport\.ts: sdk\/desk\/sim is runtime-neutral/ },
  { file: "boards/components/ntc.ts", line: 'export { airconModel } from "../../examples/aircon/model.js";', named: /boards\/components\/ntc\.ts -> examples\/aircon\/model\.ts: only examples\/ and test\/ may import examples\// },
  { file: "os/random.ts", line: 'import "node:fs";', named: /os\/random\.ts -> node:fs: node:fs is Node-only/ },
  { file: "os/storage/crc32.ts", line: 'export type { Image } from "../boot/image.js";', named: /folders import each other in a circle: os\/boot <-> os\/storage/ },
  { file: "sdk/device/ota/update-control.ts", line: 'export const hostBytes = (s: string) => Buffer.from(s);', named: /sdk\/device\/ota\/update-control\.ts: uses a Node global/ },
  // One case per rule of the house by product (sdk/README.md).
  { file: "sdk/thing/validate.ts", line: 'export type { Message } from "../protocol/envelope.js";', named: /sdk\/thing\/validate\.ts -> sdk\/protocol\/envelope\.ts: sdk\/thing may import only/ },
  { file: "sdk/protocol/members.ts", line: 'export type { Device } from "../device/device.js";', named: /sdk\/protocol\/members\.ts -> sdk\/device\/device\.ts: sdk\/protocol is shared by both ends/ },
  { file: "sdk/device/ota/update-client.ts", line: 'export type { Cloud } from "../../cloud/cloud.js";', named: /sdk\/device\/ota\/update-client\.ts -> sdk\/cloud\/cloud\.ts: sdk\/device\/ota may not import sdk\/cloud/ },
  { file: "sdk/index.ts", line: 'export { defineApp } from "./desk/sim/app.js";', named: /sdk\/index\.ts -> sdk\/desk\/sim\/app\.ts: the firmware entry \(sdk\/index\.ts\) may not import sdk\/desk\/sim/ },
  { file: "sdk/cloud/rollout.ts", line: 'export type { Outbox } from "../device/link/outbox.js";', named: /sdk\/cloud\/rollout\.ts -> sdk\/device\/link\/outbox\.ts: the cloud \(sdk\/cloud\) may not import sdk\/device\/link/ },
  { file: "examples/aircon/thermostat.ts", line: 'export { RoomPlant } from "../../boards/aircon-indoor/plant.js";', named: /firmware \(examples\/aircon\/thermostat\.ts\) may not import boards\/aircon-indoor\/plant\.ts/ },
  { file: "examples/washer/drum.ts", line: 'export type { Plant } from "../../sdk/desk/sim/index.js";', named: /firmware \(examples\/washer\/drum\.ts\) may not import sdk\/desk\/sim\/index\.ts/ },
  { file: "sdk/matter/mapping.ts", line: 'export type { Message } from "../protocol/envelope.js";', named: /sdk\/matter\/mapping\.ts -> sdk\/protocol\/envelope\.ts: sdk\/matter's mapping may import only the thing model/ },
  { file: "sdk/cloud/rollout.ts", line: 'export const bridge = () => import("../matter/node/bridge.js");', named: /sdk\/cloud\/rollout\.ts -> sdk\/matter\/node\/bridge\.ts: sdk\/cloud may not import the Matter bridge/ },
  { file: "boards/fridge/index.ts", line: 'export { CabinetPlant } from "./plant.js";', named: /a board's wiring \(boards\/fridge\/index\.ts\) hands firmware its parts, never its plant/ },
];

describe("layers: planted violations in a scratch copy", () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it("the scratch copy itself keeps every rule", () => {
    const dir = scratch();
    made.push(dir);
    expect(layers(dir).code).toBe(0);
  });

  // Each in a copy of its own making: one planted import can change what another resolves to
  // (a Node-only package pulls in Node's types), and each must be caught alone.
  for (const p of PLANTS) {
    it(`catches ${p.line} in ${p.file}`, () => {
      const dir = made[0] as string;
      const file = join(dir, p.file);
      const before = readFileSync(file, "utf8");
      appendFileSync(file, `\n${p.line}\n`);
      try {
        const { code, out } = layers(dir);
        expect(out).toMatch(p.named);
        expect(code).toBe(1);
      } finally {
        writeFileSync(file, before);
      }
    });
  }
});
