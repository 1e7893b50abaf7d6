import { describe, expect, it } from "vitest";
import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { RoomPlant } from "../../boards/aircon-indoor/plant.js";
import { app } from "../../examples/aircon/app.js";
import { VirtualClock } from "../../os/index.js";
import { HearthError } from "../../sdk/index.js";
import { defineApp } from "../../sdk/desk/sim/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

const MIN = 60_000;

function simulate(options: { startC?: number; outdoorC?: number; leakWPerK?: number } = {}) {
  const clock = new VirtualClock();
  const variant = defineApp({ ...app, createPlant: (h1, random) => new RoomPlant(h1, random, { startC: 30, ...options }) });
  const sim = new HostEngineBoard(variant, { clock, seed: 11 });
  const events: { name: string; fields: unknown; at: number }[] = [];
  sim.device.observe({ event: (name, fields) => events.push({ name, fields, at: clock.now() }) });
  return { clock, sim, events };
}

describe("aircon firmware", () => {
  it("raises targetNotReached once, after 30 minutes of running without reaching the target", () => {
    // A heatwave and leaky windows: 3.5 kW cannot pull the room down to 24 °C.
    const { clock, sim, events } = simulate({ outdoorC: 42, leakWPerK: 400 });
    clock.runFor(29 * MIN);
    expect(events).toEqual([]);
    clock.runFor(2 * MIN);
    expect(events.map((e) => e.name)).toEqual(["targetNotReached"]);
    expect(events[0]!.fields).toMatchObject({ target: 24, minutes: 30 });
    clock.runFor(60 * MIN);
    expect(events.length).toBe(1);
    expect(sim.device.get("room")).toBeGreaterThan(24.5);
  });

  it("dry mode runs on the return air's humidity (its SHT3x on I2C): down to 45 %, again above 55 %; with the sensor silent, on temperature", () => {
    const { clock, sim } = simulate({ outdoorC: 30 });
    sim.device.remoteWrite({ power: true, mode: "dry", target: 18 });
    const plant = sim.plant as RoomPlant;
    const rh: number[] = [];
    const runs: boolean[] = [];
    for (let m = 0; m < 6 * 60; m++) {
      clock.runFor(MIN);
      rh.push(plant.humidityPct);
      runs.push(sim.device.get("compressor"));
    }
    expect(rh[0], "it starts humid").toBeGreaterThan(55);
    expect(Math.min(...rh.slice(0, 60)), "and is dried below 50 % within the hour").toBeLessThan(50);
    const settled = rh.slice(180);
    expect(Math.min(...settled)).toBeGreaterThan(40);
    expect(Math.max(...settled)).toBeLessThan(58);
    // It rests and starts again on humidity: the compressor has gone off and on in the last three hours.
    expect(runs.slice(180).filter((on, i, all) => i > 0 && on !== all[i - 1]).length).toBeGreaterThanOrEqual(2);
    // A mild, humid room already at its target: temperature alone would never start the compressor; humidity
    // does, and the room is not cooled more than 2 °C below the target for it.
    const mild = simulate({ startC: 22, outdoorC: 24 });
    mild.sim.device.remoteWrite({ power: true, mode: "dry", target: 22 });
    let ran = false;
    let coldest = 99;
    for (let m = 0; m < 60; m++) {
      mild.clock.runFor(MIN);
      ran ||= mild.sim.device.get("compressor");
      coldest = Math.min(coldest, (mild.sim.plant as RoomPlant).roomC);
    }
    expect(ran, "dry mode ran on the air's humidity").toBe(true);
    expect((mild.sim.plant as RoomPlant).humidityPct).toBeLessThan(63);
    expect(coldest, "2 °C below the target, give or take the compressor's minimum run").toBeGreaterThan(22 - 3);
    // The sensor goes silent: dry mode carries on by temperature, as cool does, and says why once.
    plant.climateSensor.broken = true;
    const logs: string[] = [];
    sim.onLog((r) => void logs.push(r.message));
    clock.runFor(30 * MIN);
    expect(logs.filter((l) => /climate sensor does not answer/.test(l))).toHaveLength(1);
  });

  it("does not raise it when the room gets there in time", () => {
    const { clock, sim, events } = simulate();
    clock.runFor(3 * 60 * MIN);
    expect(events).toEqual([]);
    expect(Math.abs(sim.device.get("room") - 24)).toBeLessThanOrEqual(0.6);
  });

  it("self-cleans: frost, then dry; refuses a second run while one is going", async () => {
    const { clock, sim } = simulate();
    const first = sim.device.remoteCall("selfClean", { dryMinutes: 5 });
    await expect(sim.device.remoteCall("selfClean", { dryMinutes: 5 })).rejects.toMatchObject({ code: "busy", member: "selfClean" });
    expect(sim.device.get("cleaning")).toBe(true);
    clock.runFor(30 * MIN);
    const result = await first;
    expect(result["coilMinC"]).toBeLessThanOrEqual(-5);
    expect(result["minutes"]).toBeGreaterThan(5);
    expect(sim.device.get("cleaning")).toBe(false);
  });

  it("refuses selfClean params out of range, naming the param", async () => {
    const { sim } = simulate();
    const error = await sim.device.remoteCall("selfClean", { dryMinutes: 99 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HearthError);
    expect(error).toMatchObject({ code: "bad-param", member: "dryMinutes" });
    expect(sim.device.get("cleaning")).toBe(false);
  });

  it("on an open room thermistor: stops the compressor and fan, and reports error 1", () => {
    const { clock, sim } = simulate();
    clock.runFor(10 * MIN);
    expect(sim.device.get("compressor")).toBe(true);
    (sim.plant as RoomPlant).failSensor("room", "open");
    clock.runFor(2_000);
    expect(sim.device.get("error")).toBe(1);
    expect(sim.h1.level(airconIndoor.parts.compressorRelay.pin)).toBe(0);
    expect(sim.h1.pwmOutput(airconIndoor.parts.indoorFan.pin)?.duty).toBe(0);
    // Mended: the error clears and control resumes (after the compressor's off time).
    (sim.plant as RoomPlant).failSensor("room", undefined);
    clock.runFor(4 * MIN);
    expect(sim.device.get("error")).toBe(0);
    expect(sim.device.get("compressor")).toBe(true);
  });

  it("switches the reversing valve only while the compressor rests", () => {
    const { clock, sim } = simulate();
    const valve = airconIndoor.parts.reversingValve.pin;
    const relay = airconIndoor.parts.compressorRelay.pin;
    let bad = 0;
    let lastValve = sim.h1.level(valve);
    sim.h1.watch((pin) => {
      if (pin !== valve) return;
      if (sim.h1.level(relay) === 1 && sim.h1.level(valve) !== lastValve) bad++;
      lastValve = sim.h1.level(valve);
    });
    let heatedWithValve = false;
    sim.kernel.every(1000, () => {
      heatedWithValve ||= sim.h1.level(relay) === 1 && sim.h1.level(valve) === 1;
    });
    clock.runFor(40 * MIN); // cooled to 24 °C
    sim.device.remoteWrite({ mode: "heat", target: 28 });
    clock.runFor(30 * MIN);
    sim.device.remoteWrite({ mode: "cool", target: 20 });
    clock.runFor(30 * MIN);
    expect(heatedWithValve).toBe(true);
    expect(sim.h1.level(valve)).toBe(0);
    expect(bad).toBe(0);
  });
});

describe("aircon settings across power cuts", () => {
  it("power, mode, target, fan and swing come back after a power cut", () => {
    const clock = new VirtualClock();
    const sim = new HostEngineBoard(app, { clock, seed: 4 });
    clock.runFor(60_000);
    sim.device.remoteWrite({ mode: "heat", target: 27.5, fan: 2, swing: true });
    clock.runFor(60_000);
    sim.reset("powerOn"); // the plug is pulled and put back: RAM is gone, flash is not
    clock.runFor(1_000);
    expect(sim.device.snapshot()).toMatchObject({ power: true, mode: "heat", target: 27.5, fan: 2, swing: true });
    expect(sim.h1.level(airconIndoor.parts.louver.pin)).toBe(1);
    expect(sim.boots).toBe(2);
  });

  it("a cut in the middle of saving leaves the old settings or the new, never a mix", () => {
    const outcomes = new Set<string>();
    for (let cutAfter = 0; cutAfter < 8; cutAfter++) {
      const clock = new VirtualClock();
      const sim = new HostEngineBoard(app, { clock, seed: 4 });
      sim.device.remoteWrite({ mode: "cool", target: 22, fan: 1 });
      clock.runFor(10_000);
      sim.h1.flash.cutPowerAfter(cutAfter);
      try {
        sim.device.remoteWrite({ mode: "dry", target: 25.5, fan: 3 });
      } catch {
        // the flash lost power part-way through the save
      }
      sim.h1.flash.powerOn();
      sim.reset("powerOn");
      clock.runFor(1_000);
      const s = sim.device.snapshot();
      const got = `${s.mode}/${s.target}/${s.fan}`;
      expect(["cool/22/1", "dry/25.5/3"]).toContain(got);
      outcomes.add(got);
    }
    expect(outcomes.size).toBe(2); // early cuts keep the old, late ones the new
  });
});

describe("flash image files", () => {
  it("save and load keep contents and wear; a wrong file is refused", async () => {
    const { saveFlash, loadFlash } = await import("../../hal/sim/node/flash-file.js");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "hearth-flash-"));
    const clock = new VirtualClock();
    const sim = new HostEngineBoard(app, { clock });
    sim.device.remoteWrite({ target: 19.5 });
    saveFlash(sim.h1.flash, join(dir, "board.flash"));
    const loaded = loadFlash(join(dir, "board.flash"));
    expect(loaded.image).toEqual(sim.h1.flash.image);
    expect([...loaded.eraseCounts]).toEqual([...sim.h1.flash.eraseCounts]);
    const again = new HostEngineBoard(app, { clock: new VirtualClock(), flash: loaded });
    expect(again.device.get("target")).toBe(19.5);
    writeFileSync(join(dir, "junk.flash"), "not flash");
    expect(() => loadFlash(join(dir, "junk.flash"))).toThrow(/not a Hearth flash image/);
  });
});
