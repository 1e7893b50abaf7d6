import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DrumPlant, type DrumOptions } from "../../boards/washer/plant.js";
import { app } from "../../examples/washer/app.js";
import { PROGRESS_KEY } from "../../examples/washer/firmware.js";
import { encodeCalibration } from "../../examples/washer/calibration.js";
import { expectedMinutes, runFor } from "../../examples/washer/programs.js";
import { VirtualClock } from "../../os/index.js";
import { defineApp } from "../../sdk/desk/sim/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

const MIN = 60_000;
type Washer = HostEngineBoard<typeof app.model.spec>;

/** A washer in virtual time, with a person who tries the door every `tryDoorMs` and a second-by-second safety watch. */
function washerSim(o: { seed?: number; plant?: DrumOptions; tryDoorMs?: number } = {}) {
  const clock = new VirtualClock();
  const factory = { calibration: encodeCalibration({ offsetCounts: 41, fullScaleL: 30 }) };
  const custom = defineApp({ ...app, createPlant: (h1, random) => new DrumPlant(h1, random, { ...factory, ...o.plant }) });
  const sim: Washer = new HostEngineBoard(custom, { clock, seed: o.seed ?? 1 });
  const drum = (): DrumPlant => sim.plant as DrumPlant;
  const events: { at: number; name: string; fields: Record<string, unknown> }[] = [];
  let unlockedWithWater = 0;
  const observe = (): void => {
    sim.device.observe({ event: (name, fields) => events.push({ at: clock.now(), name, fields: fields as Record<string, unknown> }) });
  };
  observe();
  sim.hardware.every(1000, () => {
    const d = drum();
    if (!d.locked && (d.waterL > 1 || d.rpm > 0)) unlockedWithWater++;
  });
  if (o.tryDoorMs !== undefined) {
    sim.hardware.every(o.tryDoorMs, () => {
      if (drum().openDoor()) drum().shutDoor();
    });
  }
  const runUntil = (done: () => boolean, limitMs: number): number => {
    const start = clock.now();
    while (!done() && clock.now() - start < limitMs) clock.runFor(1000);
    return clock.now() - start;
  };
  return { clock, sim, drum, events, observe, runUntil, unlocked: () => unlockedWithWater };
}

describe("washer: a wash program on the drum plant", () => {
  it("runs three programs in a simulated day, each within its expected time, the door locked throughout", async () => {
    const w = washerSim({ tryDoorMs: 5 * MIN });
    const finished: { program: string; minutes: number; expected: number }[] = [];
    for (const [at, program, temperature] of [[1, "cotton", 40], [9, "quick", 30], [18, "wool", 30]] as const) {
      w.clock.runFor(at * 60 * MIN - w.clock.now());
      w.sim.device.remoteWrite({ program, temperature, spin: 1200 });
      const { minutes: promised } = await w.sim.device.remoteCall("start", {});
      const expected = expectedMinutes(runFor(w.sim.device.snapshot()));
      expect(promised).toBe(Math.round(expected));
      w.clock.runFor(1000);
      expect(w.sim.device.get("state")).not.toBe("done");
      const took = w.runUntil(() => w.sim.device.get("state") === "done", 4 * 60 * MIN) / MIN;
      expect(w.sim.device.get("state")).toBe("done");
      finished.push({ program, minutes: took, expected });
      // Once the drum is still and empty, the lock lets go and the door opens.
      w.runUntil(() => !w.drum().locked, 2 * MIN);
      expect(w.drum().openDoor()).toBe(true);
      w.drum().shutDoor();
    }
    w.clock.runFor(24 * 60 * MIN - w.clock.now());
    for (const f of finished) {
      expect(f.minutes, f.program).toBeGreaterThan(f.expected * 0.85);
      expect(f.minutes, f.program).toBeLessThanOrEqual(f.expected * 1.1);
    }
    expect(finished[0]!.minutes).toBeLessThan(120); // cotton at 40 °C: under two hours
    expect(w.events.filter((e) => e.name === "finished")).toHaveLength(3);
    expect(w.unlocked()).toBe(0);
    expect(w.drum().violations).toEqual({ dryHeatS: 0, shakeS: 0, unsafeDoorOpenings: 0 });
    expect(w.sim.kernel.faultCount).toBe(0);
  });

  it("heats the water to the program's temperature before washing, never over a dry element", async () => {
    const w = washerSim();
    w.sim.device.remoteWrite({ program: "cotton", temperature: 60 });
    await w.sim.device.remoteCall("start", {});
    let hottest = 0;
    w.runUntil(() => {
      hottest = Math.max(hottest, w.drum().waterC);
      return w.sim.device.get("state") === "draining";
    }, 3 * 60 * MIN);
    expect(hottest).toBeGreaterThanOrEqual(59.5);
    expect(hottest).toBeLessThan(64);
    expect(w.drum().violations.dryHeatS).toBe(0);
  });

  it("resumes after power cuts where it stopped: the wash is not started again, and it still finishes", async () => {
    const w = washerSim();
    await w.sim.device.remoteCall("start", {});
    const expected = expectedMinutes(runFor(w.sim.device.snapshot()));
    w.runUntil(() => w.sim.device.get("state") === "washing", 60 * MIN);
    w.clock.runFor(20 * MIN);
    w.sim.cutPower(30_000);
    w.clock.runFor(40_000);
    w.observe(); // a new boot: a new device object
    expect(w.sim.resets.map((r) => r.reason)).toEqual(["powerOn"]);
    w.runUntil(() => w.sim.device.get("state") === "washing", 2 * MIN);
    expect(w.sim.device.get("state")).toBe("washing");
    // Spinning, cut again.
    w.runUntil(() => w.sim.device.get("drumRpm") >= 1000, 3 * 60 * MIN);
    w.sim.cutPower(5_000);
    w.clock.runFor(10_000);
    w.observe();
    w.runUntil(() => w.sim.device.get("state") === "done", 3 * 60 * MIN);
    expect(w.sim.device.get("state")).toBe("done");
    const total = w.clock.now() / MIN;
    // Two short cuts cost minutes (locking again, a new balance), not a wash started again (45 min).
    expect(total).toBeLessThan(expected + 12);
    expect(w.unlocked()).toBe(0);
    expect(w.drum().violations).toEqual({ dryHeatS: 0, shakeS: 0, unsafeDoorOpenings: 0 });
    expect(w.sim.kernel.faultCount).toBe(0);
  });

  it("redistributes an unbalanced load, then lowers the spin if it will not balance", async () => {
    const w = washerSim({ plant: { imbalances: [0.9, 0.8, 0.6] } });
    w.sim.device.remoteWrite({ program: "quick", temperature: 20, spin: 800 });
    await w.sim.device.remoteCall("start", {});
    let fastest = 0;
    w.runUntil(() => {
      fastest = Math.max(fastest, w.drum().rpm);
      return w.sim.device.get("state") === "done";
    }, 2 * 60 * MIN);
    expect(w.events.filter((e) => e.name === "imbalance").map((e) => e.fields)).toEqual([{ tries: 3, spin: 600 }]);
    expect(fastest).toBeGreaterThan(550);
    expect(fastest).toBeLessThanOrEqual(605); // 600 rpm, to the motor command's 10-bit resolution
    expect(w.events.find((e) => e.name === "finished")?.fields["spin"]).toBe(600);
    expect(w.drum().violations.shakeS).toBe(0);
  });

  it("spins at full speed once a redistribution balances the load", async () => {
    const w = washerSim({ plant: { imbalances: [0.9, 0.1] } });
    w.sim.device.remoteWrite({ program: "quick", temperature: 20, spin: 800 });
    await w.sim.device.remoteCall("start", {});
    w.runUntil(() => w.sim.device.get("state") === "done", 2 * 60 * MIN);
    expect(w.events.filter((e) => e.name === "imbalance")).toEqual([]);
    expect(w.events.find((e) => e.name === "finished")?.fields["spin"]).toBe(800);
  });

  it("pauses with the water in and the door locked, and resumes", async () => {
    const w = washerSim();
    w.sim.device.remoteWrite({ program: "quick", temperature: 20 });
    await w.sim.device.remoteCall("start", {});
    w.runUntil(() => w.sim.device.get("state") === "washing", 30 * MIN);
    await w.sim.device.remoteCall("pause", {});
    w.clock.runFor(10 * MIN);
    expect(w.sim.device.get("state")).toBe("paused");
    expect(w.drum().rpm).toBe(0);
    expect(w.drum().waterL).toBeGreaterThan(8);
    expect(w.drum().openDoor()).toBe(false);
    await w.sim.device.remoteCall("resume", {});
    w.runUntil(() => w.sim.device.get("state") === "done", 60 * MIN);
    expect(w.sim.device.get("state")).toBe("done");
    expect(w.unlocked()).toBe(0);
  });

  it("a jammed drum: its locked rotor trips the BLDC controller (over-current), which stops the drive; the washer says so and holds the program, door locked over the water", async () => {
    const w = washerSim();
    w.sim.device.remoteWrite({ program: "quick", temperature: 20 });
    await w.sim.device.remoteCall("start", {});
    w.runUntil(() => w.sim.device.get("state") === "washing", 30 * MIN);
    w.runUntil(() => w.drum().rpm > 20, 2 * MIN);
    w.drum().jammed = true;
    w.runUntil(() => w.sim.device.get("error") === 5, MIN);
    expect(w.sim.device.get("error"), "error 5: the drum motor stopped").toBe(5);
    expect(w.events.filter((e) => e.name === "fault").map((e) => e.fields)).toEqual([{ code: 5 }]);
    w.clock.runFor(10_000);
    expect(w.sim.device.get("state")).toBe("paused");
    expect(w.sim.h1.motor.drive()?.rpm, "the drive is stopped").toBe(0);
    expect(w.drum().openDoor()).toBe(false);
    w.drum().jammed = false;
    await w.sim.device.remoteCall("resume", {});
    w.runUntil(() => w.sim.device.get("state") === "done", 60 * MIN);
    expect(w.sim.device.get("state")).toBe("done");
    expect(w.unlocked()).toBe(0);
  });

  it("reads its pressure sensor's factory calibration from the SPI EEPROM: an empty drum reads empty; a blank EEPROM is said, and the level reads high", async () => {
    const w = washerSim();
    w.clock.runFor(5_000);
    expect(w.sim.device.get("water")).toBe(0);
    const blank = washerSim({ plant: { calibration: new Uint8Array(8).fill(0xff) } });
    const logs: string[] = [];
    blank.sim.onLog((r) => void logs.push(r.message));
    blank.sim.cutPower(100);
    blank.clock.runFor(5_000);
    expect(logs.some((l) => /the EEPROM holds no valid calibration: nominal figures/.test(l))).toBe(true);
    expect(blank.sim.device.get("water"), "41 counts of offset: 0.3 L on an empty drum").toBe(0.5);
  });

  it("cancel drains the drum and unlocks the door; start refuses an open door", async () => {
    const w = washerSim();
    await w.sim.device.remoteCall("start", {});
    w.runUntil(() => w.sim.device.get("state") === "washing", 60 * MIN);
    await w.sim.device.remoteCall("cancel", {});
    w.runUntil(() => w.sim.device.get("state") === "idle", 10 * MIN);
    expect(w.sim.device.get("state")).toBe("idle");
    w.runUntil(() => !w.drum().locked, 2 * MIN);
    expect(w.drum().waterL).toBeLessThan(0.5);
    expect(w.drum().openDoor()).toBe(true);
    w.clock.runFor(1000);
    await expect(w.sim.device.remoteCall("start", {})).rejects.toThrow(/door is open/);
    expect(w.sim.storage.kv.has(PROGRESS_KEY)).toBe(false);
  });

  it("stops on a closed tap with error 1 and a fault event, and keeps the door shut only while it must", async () => {
    const w = washerSim({ plant: { inletLPerMin: 0 } });
    await w.sim.device.remoteCall("start", {});
    w.clock.runFor(12 * MIN);
    expect(w.sim.device.get("state")).toBe("paused");
    expect(w.sim.device.get("error")).toBe(1);
    expect(w.events.map((e) => e.name)).toContain("fault");
    await w.sim.device.remoteCall("cancel", {});
    w.runUntil(() => w.sim.device.get("state") === "idle", 5 * MIN);
    expect(w.sim.device.get("state")).toBe("idle");
  });

  it("drops a damaged saved run and starts idle", () => {
    const w = washerSim();
    w.sim.storage.kv.setCbor(PROGRESS_KEY, [1, "cotton", 40, 1200, "sideways", 0, false, 0, 1200, 0, 0, false]);
    w.sim.reset("software");
    w.clock.runFor(2000);
    expect(w.sim.device.get("state")).toBe("idle");
    expect(w.sim.storage.kv.has(PROGRESS_KEY)).toBe(false);
  });

  it("property: pauses, resumes and power cuts at any time never open the door on water, heat dry, or lose the run", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ afterMin: fc.integer({ min: 1, max: 25 }), what: fc.constantFrom("pause-resume", "cut", "cut-long") }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        async (disturbances, seed) => {
          const w = washerSim({ seed, tryDoorMs: 2 * MIN });
          w.sim.device.remoteWrite({ program: "quick", temperature: 30 });
          await w.sim.device.remoteCall("start", {});
          for (const d of disturbances) {
            w.clock.runFor(d.afterMin * MIN);
            if (d.what === "pause-resume" && w.sim.device.get("state") !== "done") {
              await w.sim.device.remoteCall("pause", {}).catch(() => undefined);
              w.clock.runFor(3 * MIN);
              await w.sim.device.remoteCall("resume", {}).catch(() => undefined);
            } else if (d.what !== "pause-resume") {
              w.sim.cutPower(d.what === "cut" ? 2000 : 5 * MIN);
              w.clock.runFor(d.what === "cut" ? 3000 : 5 * MIN + 1000);
              w.observe(); // the new boot's device
            }
          }
          const finished = () => w.events.some((e) => e.name === "finished");
          w.runUntil(finished, 3 * 60 * MIN);
          expect(finished()).toBe(true);
          expect(w.unlocked()).toBe(0);
          expect(w.drum().violations).toEqual({ dryHeatS: 0, shakeS: 0, unsafeDoorOpenings: 0 });
        },
      ),
      { numRuns: 25, seed: 8 },
    );
  });
});
