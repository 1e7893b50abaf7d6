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
  { file: "hal/errors.ts", line: 'import "../sdk/thing/device.js";', named: /hal\/errors\.ts -> sdk\/thing\/device\.ts: hal may import only hal/ },
  { file: "os/clock.ts", line: 'export { HearthError } from "../sdk/thing/errors.js";', named: /os\/clock\.ts -> sdk\/thing\/errors\.ts: os may import only os and hal/ },
  { file: "sdk/link/backoff.ts", line: 'export const lazy = () => import("../sim/network.js");', named: /sdk\/link\/backoff\.ts -> sdk\/sim\/network\.ts: sdk\/link may not import sdk\/sim/ },
  { file: "sdk/sim/network.ts", line: 'export type { MqttTransport } from "../node/mqtt/transport.js";', named: /sdk\/sim\/network\.ts -> sdk\/node\/mqtt\/transport\.ts: sdk\/sim is runtime-neutral/ },
  { file: "boards/parts/ntc.ts", line: 'export { airconModel } from "../../examples/aircon/model.js";', named: /boards\/parts\/ntc\.ts -> examples\/aircon\/model\.ts: only examples\/ and test\/ may import examples\// },
  { file: "os/random.ts", line: 'import "node:fs";', named: /os\/random\.ts -> node:fs: node:fs is Node-only/ },
  { file: "os/storage/crc32.ts", line: 'export type { Image } from "../boot/image.js";', named: /folders import each other in a circle: os\/boot <-> os\/storage/ },
  { file: "sdk/ota/update-control.ts", line: 'export const hostBytes = (s: string) => Buffer.from(s);', named: /sdk\/ota\/update-control\.ts: uses a Node global/ },
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
