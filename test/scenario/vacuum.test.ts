import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLAT_ROOMS, FloorPlant, type FloorOptions } from "../../boards/vacuum/plant.js";
import { app } from "../../examples/vacuum/app.js";
import { SCHEDULE_KEY } from "../../examples/vacuum/firmware.js";
import { Cell, GridMap } from "../../examples/vacuum/grid-map.js";
import { vacuumModel } from "../../examples/vacuum/model.js";
import { scheduledDay } from "../../examples/vacuum/schedule.js";
import { VirtualClock } from "../../os/index.js";
import { defineApp } from "../../sdk/desk/sim/index.js";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2026-11-30 00:00 in Beijing (UTC+8), as Unix ms. */
const MIDNIGHT_BEIJING = Date.UTC(2026, 10, 29, 16, 0);

function vacuumSim(o: { plant?: FloorOptions; seed?: number } = {}) {
  const clock = new VirtualClock();
  const custom = defineApp({ ...app, createPlant: (h1, random) => new FloorPlant(h1, random, o.plant) });
  const sim: HostEngineBoard<typeof vacuumModel.spec> = new HostEngineBoard(custom, { clock, seed: o.seed ?? 1 });
  const floor = (): FloorPlant => sim.plant as FloorPlant;
  const events: { at: number; name: string; fields: Record<string, unknown> }[] = [];
  const observe = (): void => {
    sim.device.observe({ event: (name, fields) => events.push({ at: clock.now(), name, fields: fields as Record<string, unknown> }) });
  };
  observe();
  let lowest = floor().charge;
  sim.hardware.every(1000, () => (lowest = Math.min(lowest, floor().charge)));
  /** Runs until `done` (checked every 10 s of simulated time) or `limitMs`. */
  const runUntil = (done: () => boolean, limitMs: number): void => {
    const end = clock.now() + limitMs;
    while (!done() && clock.now() < end) clock.runFor(10_000);
  };
  const cleanUntilDocked = async (limitMs = 6 * HOUR): Promise<void> => {
    await sim.device.remoteCall("start", {});
    clock.runFor(5000);
    runUntil(() => sim.device.get("state") === "docked", limitMs);
  };
  return { clock, sim, floor, events, observe, runUntil, cleanUntilDocked, lowest: () => lowest };
}

describe("robot vacuum: cleaning the flat", () => {
  it("cleans every reachable cell of the flat and docks, at any suction", async () => {
    for (const suction of ["quiet", "max"] as const) {
      const v = vacuumSim();
      v.sim.device.remoteWrite({ suction });
      await v.cleanUntilDocked();
      expect(v.sim.device.get("state")).toBe("docked");
      expect(v.floor().coverage()).toBeGreaterThanOrEqual(0.95);
      expect(v.floor().docked).toBe(true);
      const done = v.events.find((e) => e.name === "cleaningDone");
      expect(done?.fields["area"]).toBeCloseTo(v.floor().reachable().size * 0.09, 0);
      expect(v.floor().ranFlat).toBe(false);
      expect(v.sim.kernel.faultCount).toBe(0);
    }
  });

  it("goes home to recharge before its battery runs out, then carries on and finishes", async () => {
    const v = vacuumSim({ plant: { charge: 0.3 } });
    v.sim.device.remoteWrite({ suction: "max" });
    await v.cleanUntilDocked(8 * HOUR);
    expect(v.events.filter((e) => e.name === "lowBattery").length).toBeGreaterThanOrEqual(1);
    expect(v.events.find((e) => e.name === "cleaningDone")?.fields["recharges"]).toBeGreaterThanOrEqual(1);
    expect(v.floor().coverage()).toBeGreaterThanOrEqual(0.95);
    expect(v.floor().ranFlat).toBe(false);
    expect(v.lowest()).toBeGreaterThan(0.03);
  });

  it("goes home with a full bin, waits for it to be emptied, then carries on", async () => {
    const v = vacuumSim({ plant: { binG: 270 } });
    await v.sim.device.remoteCall("start", {});
    v.runUntil(() => v.sim.device.get("state") === "recharging" && v.floor().docked, 2 * HOUR);
    expect(v.events.map((e) => e.name)).toContain("binFull");
    v.clock.runFor(30 * MIN);
    expect(v.sim.device.get("state")).toBe("recharging"); // charged by now, but the bin is still full
    v.floor().emptyBin();
    v.runUntil(() => v.sim.device.get("state") === "docked", 4 * HOUR);
    expect(v.floor().coverage()).toBeGreaterThanOrEqual(0.95);
  });

  it("stops at the stair's drop and at walls, and maps each so it never meets it twice", async () => {
    const v = vacuumSim();
    await v.cleanUntilDocked();
    expect(v.floor().coverage()).toBeGreaterThanOrEqual(0.95);
    const { bump, cliff, cells } = v.floor().stops;
    expect(cliff).toBeGreaterThan(0);
    expect(bump).toBeGreaterThan(0);
    expect(bump + cliff).toBe(cells.size);
  });

  it("pauses where it is, carries on when started again, and docks when told to", async () => {
    const v = vacuumSim();
    await v.sim.device.remoteCall("start", {});
    v.clock.runFor(5 * MIN);
    await v.sim.device.remoteCall("pause", {});
    v.clock.runFor(1000);
    const { x, y } = v.floor();
    v.clock.runFor(5 * MIN);
    expect(v.sim.device.get("state")).toBe("paused");
    expect([v.floor().x, v.floor().y]).toEqual([x, y]);
    await v.sim.device.remoteCall("start", {});
    v.clock.runFor(5 * MIN);
    expect([v.floor().x, v.floor().y]).not.toEqual([x, y]);
    await v.sim.device.remoteCall("dock", {});
    v.runUntil(() => v.sim.device.get("state") === "docked", HOUR);
    expect(v.floor().docked).toBe(true);
    expect(v.floor().coverage()).toBeLessThan(0.95);
    expect(v.events.some((e) => e.name === "cleaningDone")).toBe(false);
  });

  it("after a power cut off its dock says it is lost, until carried back", async () => {
    const v = vacuumSim();
    await v.sim.device.remoteCall("start", {});
    v.clock.runFor(5 * MIN);
    v.sim.cutPower(2000);
    v.clock.runFor(5000);
    v.observe();
    expect(v.sim.device.get("state")).toBe("stuck");
    expect(v.sim.device.get("error")).toBe(4);
    await expect(v.sim.device.remoteCall("start", {})).rejects.toThrow(/carry it to the dock/);
    v.floor().carryToDock();
    v.clock.runFor(2000);
    expect(v.sim.device.get("state")).toBe("docked");
    expect(v.sim.device.get("error")).toBe(0);
    await v.cleanUntilDocked();
    expect(v.floor().coverage()).toBeGreaterThanOrEqual(0.95);
  });

  /** The plant's cells (its keys, y * 1000 + x) of FLAT's rooms, by room number (from 1, as the app draws them on the robot's map). */
  const cellsOf = (room: number): Set<number> => {
    const r = FLAT_ROOMS[room - 1]!;
    const cells = new Set<number>();
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) cells.add(y * 1000 + x);
    return cells;
  };
  const share = (floor: FloorPlant, cells: Set<number>): number => {
    const reachable = [...cells].filter((c) => floor.reachable().has(c));
    return reachable.filter((c) => floor.cleaned.has(c)).length / reachable.length;
  };

  it("with rooms selected it cleans only those (crossing the rest with its brush and suction off), says which room it is in, and docks facing out", async () => {
    const v = vacuumSim();
    expect(v.sim.device.get("rooms")).toMatch(/^Bedroom:.*;Hall:.*;Living room:.*;Kitchen:/);
    expect(v.sim.device.get("room")).toBe(0); // not reported before its first tick
    v.clock.runFor(1000);
    expect(v.sim.device.get("room")).toBe(2); // the dock is in the hall
    // A short job first, sent home: on its dock it turns to face out again, so the rooms drawn in the dock's frame are where they were.
    await v.sim.device.remoteCall("start", {});
    v.clock.runFor(2 * MIN);
    await v.sim.device.remoteCall("dock", {});
    v.runUntil(() => v.sim.device.get("state") === "docked", HOUR);
    expect([v.floor().docked, v.floor().heading]).toEqual([true, 0]);
    v.floor().cleaned.clear();
    v.events.length = 0;
    v.sim.device.remoteWrite({ selectedRooms: 0b1001 }); // the bedroom and the kitchen
    const seen = new Set<number>();
    v.sim.device.observe({ changed: (names) => void (names.includes("room") && seen.add(v.sim.device.get("room"))) });
    await v.cleanUntilDocked();
    expect(v.sim.device.get("state")).toBe("docked");
    const selected = new Set([...cellsOf(1), ...cellsOf(4)]);
    expect([...v.floor().cleaned].filter((c) => !selected.has(c))).toEqual([]);
    expect(share(v.floor(), cellsOf(1))).toBeGreaterThanOrEqual(0.95);
    expect(share(v.floor(), cellsOf(4))).toBeGreaterThanOrEqual(0.95);
    expect([...seen]).toEqual(expect.arrayContaining([1, 2, 4]));
    const done = v.events.find((e) => e.name === "cleaningDone");
    expect(done?.fields["area"]).toBeCloseTo(v.floor().cleaned.size * 0.09, 0);
    expect(v.sim.device.get("selectedRooms")).toBe(0b1001); // kept for the next job
    expect(v.sim.kernel.faultCount).toBe(0);
  });

  it("takes a change of rooms mid-job at once (Matter's SelectWhileRunning), and keeps a selection to the rooms it has", async () => {
    const v = vacuumSim();
    v.sim.device.remoteWrite({ selectedRooms: 0b1000 }); // the kitchen
    await v.sim.device.remoteCall("start", {});
    v.runUntil(() => v.sim.device.get("room") === 4, HOUR);
    expect(v.sim.device.get("room")).toBe(4);
    v.sim.device.remoteWrite({ selectedRooms: 0b1010 }); // and the hall
    v.runUntil(() => v.sim.device.get("state") === "docked", 6 * HOUR);
    expect(share(v.floor(), cellsOf(2))).toBeGreaterThanOrEqual(0.95);
    expect(share(v.floor(), cellsOf(4))).toBeGreaterThanOrEqual(0.95);
    expect(share(v.floor(), cellsOf(1))).toBe(0);
    // A bit of a room it does not have is dropped; with no rooms there is nothing to select (the whole floor).
    v.sim.device.remoteWrite({ selectedRooms: 0b110001 });
    expect(v.sim.device.get("selectedRooms")).toBe(0b000001);
    v.sim.device.remoteWrite({ rooms: "" });
    expect(v.sim.device.get("selectedRooms")).toBe(0);
  });

  it("starts its scheduled clean at 10:00 Beijing time, once a day, from the cloud's time sync", async () => {
    const v = vacuumSim();
    const broker = new MemoryBroker();
    v.sim.connect(() => broker.transport("vac-1"), "vac-1");
    const cloud = new Cloud(broker.transport("cloud"), [vacuumModel], () => MIDNIGHT_BEIJING + v.clock.now());
    await cloud.start();
    v.sim.device.remoteWrite({ scheduleOn: true, scheduleAt: 10 * 60, utcOffset: 480 });
    const starts: number[] = [];
    let last = v.sim.device.get("state");
    for (let t = 0; t < 48 * HOUR; t += 1000) {
      v.clock.runFor(1000);
      for (let i = 0; i < 3; i++) await Promise.resolve();
      const state = v.sim.device.get("state");
      if (state === "cleaning" && last === "docked") starts.push(v.clock.now());
      last = state;
    }
    expect(starts.map((at) => Math.floor(at / MIN))).toEqual([10 * 60, 34 * 60]);
    expect(v.events.filter((e) => e.name === "cleaningDone")).toHaveLength(2);
    expect(v.floor().coverage()).toBeGreaterThanOrEqual(0.95);
    expect(v.sim.storage.kv.getNumber(SCHEDULE_KEY)).toBe(Math.floor((MIDNIGHT_BEIJING + 8 * HOUR) / 86_400_000) + 1);
    await cloud.stop();
  });
});

describe("robot vacuum: schedule and planner", () => {
  it("property: a schedule is due only within its five minutes, on the local day", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: -720, max: 840 }), (now, at, offset) => {
        const day = scheduledDay(now, true, at, offset);
        const local = new Date(now + offset * MIN);
        const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
        expect(day !== undefined).toBe(minute >= at && minute < at + 5);
        if (day !== undefined) expect(day).toBe(Math.floor((now + offset * MIN) / 86_400_000));
        expect(scheduledDay(now, false, at, offset)).toBeUndefined();
        expect(scheduledDay(undefined, true, at, offset)).toBeUndefined();
      }),
    );
  });

  it("property: on any floor plan, it cleans every cell it can reach and comes home", async () => {
    const plan = fc
      .record({ w: fc.integer({ min: 4, max: 14 }), h: fc.integer({ min: 4, max: 10 }), seed: fc.integer() })
      .map(({ w, h, seed }) => {
        let s = seed >>> 0;
        const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
        const rows = Array.from({ length: h + 2 }, (_, y) =>
          Array.from({ length: w + 2 }, (_, x) => (y === 0 || x === 0 || y === h + 1 || x === w + 1 ? "#" : rnd() < 0.15 ? "#" : rnd() < 0.04 ? "v" : ".") as string),
        );
        rows[h]![1] = "D";
        return rows.map((r) => r.join(""));
      });
    await fc.assert(
      fc.asyncProperty(plan, async (floorPlan) => {
        const v = vacuumSim({ plant: { plan: floorPlan } });
        await v.cleanUntilDocked(4 * HOUR);
        expect(v.sim.device.get("state")).toBe("docked");
        expect(v.floor().coverage()).toBe(1);
        expect(v.floor().ranFlat).toBe(false);
      }),
      { numRuns: 30, seed: 4 },
    );
  });

  it("plans the first move toward the nearest cell not yet cleaned, straight ahead on a tie", () => {
    const map = new GridMap();
    const pose = { ...map.dock, heading: 0 };
    map.set(pose.x, pose.y, Cell.cleaned);
    const unknown = (x: number, y: number) => map.get(x, y) === Cell.unknown;
    const cleaned = (x: number, y: number) => map.get(x, y) === Cell.cleaned;
    expect(map.plan(pose, unknown, cleaned)).toEqual({ move: "forward", length: 1 });
    map.set(pose.x, pose.y - 1, Cell.blocked);
    expect(map.plan(pose, unknown, cleaned)).toEqual({ move: "right", length: 1 });
    map.set(pose.x + 1, pose.y, Cell.drop);
    map.set(pose.x, pose.y + 1, Cell.blocked);
    expect(map.plan(pose, unknown, cleaned)).toEqual({ move: "left", length: 1 });
    map.set(pose.x - 1, pose.y, Cell.blocked);
    expect(map.plan(pose, unknown, cleaned)).toBeUndefined();
  });
});
