import { describe, expect, it } from "vitest";
import type { SimFlash, TornOp } from "../../hal/sim/flash.js";
import type { FlashLayout } from "../../sdk/desk/sim/host-engine-board.js";
import { FlashError } from "../../hal/flash.js";
import { partition } from "../../hal/h1.js";
import { airconImage, factoryFlash, LAYOUTS, otaSetup } from "../support/ota.js";

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The whole update: offer, download, verify, install, reboot, trial, confirm; then two more reboots. */
async function update(flash: SimFlash, layout: FlashLayout | undefined, image: Uint8Array, cutAfter?: number, torn?: TornOp) {
  const t = otaSetup(flash, { ...(layout === undefined ? {} : { layout }), updates: { rebootDelayMs: 500 } });
  await t.run(3_000);
  const start = flash.ops;
  if (cutAfter !== undefined) flash.cutPowerAfter(cutAfter, torn);
  const rollout = t.cloud.rollout({ image, devices: ["ac-1"], id: 9 });
  const settled = (): boolean => ["done", "failed"].includes(rollout.devices.get("ac-1")?.phase ?? "");
  await t.run(20 * 60_000, settled);
  await t.run(3_000);
  for (let i = 0; i < 2; i++) {
    t.sim.reset("powerOn");
    await t.run(2_000);
  }
  await t.cloud.stop();
  return { t, rollout, settled: settled(), ops: flash.ops - start };
}

describe("a power cut at every flash operation of an over-the-air update", () => {
  for (const { name, geometry, layout } of LAYOUTS) {
    it(`${name}: every boot runs a valid image, the running slot holds exactly the old or the new one, and the update ends`, async () => {
      const v1 = await airconImage([1, 0, 0], 1);
      const v2 = await airconImage([1, 1, 0], 2);
      const base = factoryFlash(v1, geometry, layout);
      const cleanRun = await update(base.clone(), layout, v2.bytes);
      expect(cleanRun.rollout.devices.get("ac-1")?.phase).toBe("done");
      // Every operation from the offer on: download, verify, install, reboot, trial boot, confirm, and two boots more.
      const total = cleanRun.ops;
      expect(total).toBeGreaterThan(30);
      const outcomes = new Map<string, number>();
      // Each operation cut whole, and torn (half of a program kept, the rest random; an erase left random).
      for (let run = 0; run < 2 * total; run++) {
        const k = run % total;
        const torn: TornOp | undefined = run < total ? undefined : { keepBytes: 8, rest: "random" };
        const flash = base.clone();
        const { t, rollout, settled } = await update(flash, layout, v2.bytes, k, torn);
        const where = `${torn === undefined ? "cut" : "torn"} after operation ${k} of ${total}`;
        expect(t.sim.resets.some((r) => r.reason === "powerOn"), where).toBe(true);
        // A boot the cut itself stops runs nothing; the next one runs the old image or the new one.
        const ran = t.boots.join(", ");
        expect(t.boots.every((f) => ["1.0.0", "1.1.0", "power-cut"].includes(f)), `${where}: boots ran ${ran}`).toBe(true);
        expect(t.boots.at(-1), where).not.toBe("power-cut");
        const bootloader = t.sim.bootloader;
        if (bootloader === undefined) throw new Error("image mode has a bootloader");
        const running = bootloader.readSlot(bootloader.activeSlot);
        expect(same(running, v1.bytes) || same(running, v2.bytes), where).toBe(true);
        expect(settled, `${where}: the update did not end (${rollout.devices.get("ac-1")?.phase})`).toBe(true);
        expect(flash.nonErasedPrograms, where).toBe(0);
        const outcome = `${rollout.devices.get("ac-1")?.phase} on ${t.sim.firmware}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      // A cut only delays the update, except while the new image is on trial: then it goes back, and says so.
      expect([...outcomes.keys()].sort()).toEqual(["done on 1.1.0", "failed on 1.0.0"].filter((o) => outcomes.has(o)));
      expect(outcomes.get("done on 1.1.0")).toBeGreaterThan(2 * total * 0.8);
    }, 600_000);
  }
});

describe("boot-state writes that fail", () => {
  for (const rate of [0.5, 1.0]) {
    it(`at rate ${rate}: every run ends on the new image or back on the old one, never unbootable`, async () => {
      const v1 = await airconImage([1, 0, 0], 1);
      const v2 = await airconImage([1, 1, 0], 2);
      const base = factoryFlash(v1);
      const bootPartition = partition("boot");
      const outcomes = new Set<string>();
      for (let seed = 1; seed <= (rate === 1 ? 3 : 12); seed++) {
        const flash = base.clone();
        let state = seed * 0x9e3779b1;
        const random = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 0x100000000);
        flash.beforeProgram = (offset) => {
          const inBoot = offset >= bootPartition.offset && offset < bootPartition.offset + bootPartition.size;
          if (inBoot && random() < rate) throw new FlashError("program-failed", `boot state program at ${offset} failed (injected)`);
        };
        const { t, rollout, settled } = await update(flash, undefined, v2.bytes);
        const where = `seed ${seed}: boots ran ${t.boots.join(", ")}`;
        expect(settled, where).toBe(true);
        expect(t.boots.every((f) => f === "1.0.0" || f === "1.1.0"), where).toBe(true);
        const phase = rollout.devices.get("ac-1")?.phase;
        // What the cloud heard matches what runs.
        expect(`${phase} on ${t.sim.firmware}`, where).toMatch(/^(done on 1\.1\.0|failed on 1\.0\.0)$/);
        outcomes.add(`${phase}`);
      }
      if (rate === 1) expect(outcomes).toEqual(new Set(["failed"])); // nothing can be installed: it stays on the old image
    }, 120_000);
  }
});
