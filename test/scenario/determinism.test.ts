import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import { VirtualClock } from "../../os/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

const DAY = 86_400_000;

/** One simulated day of the air conditioner with a scripted user; the SHA-256 of its whole trace. */
function traceHash(seed: number): { hash: string; lines: number } {
  const clock = new VirtualClock();
  const sim = new HostEngineBoard(app, { clock, seed });
  const hasher = sha256.create();
  let lines = 0;
  const encoder = new TextEncoder();
  sim.trace((line) => {
    hasher.update(encoder.encode(`${line}\n`));
    lines++;
  });
  // The user: cooler at night, off during the day, a self-clean in the evening.
  sim.hardware.after(7 * 3_600_000, () => sim.device.remoteWrite({ power: false }));
  sim.hardware.after(17 * 3_600_000, () => sim.device.remoteWrite({ power: true, target: 23.5, fan: 2 }));
  sim.hardware.after(20 * 3_600_000, () => void sim.device.remoteCall("selfClean", { dryMinutes: 10 }).catch(() => undefined));
  clock.runFor(DAY);
  return { hash: Buffer.from(hasher.digest()).toString("hex"), lines };
}

describe("determinism", () => {
  it("the same seed gives a byte-identical trace of a simulated day; another seed does not", () => {
    const a = traceHash(42);
    const b = traceHash(42);
    const c = traceHash(43);
    expect(a.lines).toBeGreaterThan(100_000);
    expect(b).toEqual(a);
    expect(c.hash).not.toBe(a.hash);
  });
});
