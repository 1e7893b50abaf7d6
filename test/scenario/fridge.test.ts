import { describe, expect, it } from "vitest";
import { fridge as board } from "../../boards/fridge/index.js";
import { CabinetPlant } from "../../boards/fridge/plant.js";
import { app } from "../../examples/fridge/app.js";
import { DOOR_ALARM_MS, MIN_OFF_MS, MIN_ON_MS, RUN_KEY } from "../../examples/fridge/firmware.js";
import { Random, VirtualClock } from "../../os/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
type Fridge = HostEngineBoard<typeof app.model.spec>;

/** A fridge in virtual time, with the compressor relay's switchings and the plant sampled every minute. */
function fridgeSim(seed = 1) {
  const clock = new VirtualClock();
  const sim: Fridge = new HostEngineBoard(app, { clock, seed });
  const cabinet = (): CabinetPlant => sim.plant as CabinetPlant;
  const switches: { at: number; on: boolean }[] = [];
  const relay = board.parts.compressor.pin;
  let last = sim.h1.level(relay);
  sim.h1.watch((pin) => {
    if (pin !== relay || sim.h1.level(relay) === last) return;
    last = sim.h1.level(relay);
    switches.push({ at: clock.now(), on: last === 1 });
  });
  const samples: Record<string, number>[] = [];
  sim.hardware.every(MIN, () => samples.push({ at: clock.now(), ...cabinet().readings() }));
  const events: { name: string; fields: Record<string, unknown> }[] = [];
  sim.device.observe({ event: (name, fields) => events.push({ name, fields: fields as Record<string, unknown> }) });
  return { clock, sim, cabinet, switches, samples, events };
}

/** The door opened `count` times over the day, each for 10 to 40 s, at seeded random times. */
function doorOpenings(f: ReturnType<typeof fridgeSim>, count: number, seed: number): void {
  const random = new Random(seed);
  const times = Array.from({ length: count }, () => random.int(7 * HOUR, 23 * HOUR)).sort((a, b) => a - b);
  for (const at of times) {
    const open = random.int(10_000, 40_000);
    f.sim.hardware.after(at, () => {
      f.cabinet().openDoor();
      f.sim.hardware.after(open, () => f.cabinet().shutDoor(), "person");
    }, "person");
  }
}

function expectCompressorProtected(switches: readonly { at: number; on: boolean }[]): void {
  for (let i = 1; i < switches.length; i++) {
    const gap = switches[i]!.at - switches[i - 1]!.at;
    expect(gap).toBeGreaterThanOrEqual(switches[i]!.on ? MIN_OFF_MS : MIN_ON_MS);
  }
}

describe("fridge: the cabinet over a simulated day", () => {
  for (const seed of [1, 2, 3]) {
    it(`holds the fridge at 4 °C ± 1 and the freezer at -18 °C with the door opened 30 times (seed ${seed})`, () => {
      const f = fridgeSim(seed);
      doorOpenings(f, 30, seed);
      f.clock.runFor(24 * HOUR);
      expect(f.cabinet().openings).toBe(30);
      const settled = f.samples.filter((s) => s["at"]! >= 2 * HOUR);
      const food = settled.map((s) => s["fridgeFoodC"]!);
      expect(Math.min(...food)).toBeGreaterThanOrEqual(3);
      expect(Math.max(...food)).toBeLessThanOrEqual(5);
      const air = settled.map((s) => s["fridgeC"]!);
      expect(air.reduce((a, b) => a + b, 0) / air.length).toBeCloseTo(4, 0);
      const frozen = settled.map((s) => s["freezerFoodC"]!);
      expect(Math.max(...frozen)).toBeLessThanOrEqual(-16);
      expect(Math.min(...frozen)).toBeGreaterThanOrEqual(-20.5);
      expect(f.switches.length).toBeGreaterThan(20);
      expectCompressorProtected(f.switches);
      // Frost from 30 openings and a day's running: the scheduled defrost has cleared it.
      expect(f.events.filter((e) => e.name === "defrostDone").map((e) => e.fields["asked"])).toContain(false);
      expect(f.sim.kernel.faultCount).toBe(0);
    });
  }

  it("defrosts on demand: the compressor stops, the heater melts the ice, and the answer says how long it took", async () => {
    const f = fridgeSim();
    f.clock.runFor(3 * HOUR);
    const frostBefore = f.cabinet().frostKg;
    const answer = f.sim.device.remoteCall("defrost", {});
    let compressorDuring = 0;
    let heaterOn = 0;
    let done = false;
    void answer.then(() => (done = true));
    for (let i = 0; i < 60 * 60 && !done; i++) {
      f.clock.runFor(1000);
      await Promise.resolve();
      if (f.sim.device.get("defrosting")) {
        if (f.sim.h1.level(board.parts.compressor.pin) === 1) compressorDuring++;
        if (f.sim.h1.level(board.parts.defrostHeater.pin) === 1) heaterOn++;
      }
    }
    const { minutes } = await answer;
    expect(frostBefore).toBeGreaterThan(0.01);
    expect(f.cabinet().frostKg).toBe(0);
    expect(compressorDuring).toBe(0);
    expect(heaterOn).toBeGreaterThan(60);
    expect(minutes).toBeGreaterThan(4);
    expect(minutes).toBeLessThan(35);
    expect(f.events.find((e) => e.name === "defrostDone")?.fields["asked"]).toBe(true);
    expect(f.sim.storage.kv.getNumber(RUN_KEY)).toBe(0);
  });

  it("sounds the door alarm after two minutes open, once, and stops it when the door shuts", () => {
    const f = fridgeSim();
    f.clock.runFor(HOUR);
    f.cabinet().openDoor();
    f.clock.runFor(DOOR_ALARM_MS - 5000);
    expect(f.sim.device.get("doorAlarm")).toBe(false);
    expect(f.sim.device.get("fan")).toBe(false);
    f.clock.runFor(60_000);
    expect(f.sim.device.get("doorAlarm")).toBe(true);
    expect(f.events.filter((e) => e.name === "doorLeftOpen")).toHaveLength(1);
    let beeping = 0;
    for (let i = 0; i < 8; i++) {
      f.clock.runFor(500);
      if ((f.sim.h1.pwmOutput(board.parts.buzzer.pin)?.duty ?? 0) > 0) beeping++;
    }
    expect(beeping).toBeGreaterThan(0);
    f.cabinet().shutDoor();
    f.clock.runFor(2000);
    expect(f.sim.device.get("doorAlarm")).toBe(false);
    expect(f.sim.h1.pwmOutput(board.parts.buzzer.pin)?.duty ?? 0).toBe(0);
  });

  it("eco runs warmer; quick-freeze pulls the freezer down, then returns to normal by itself", () => {
    const f = fridgeSim();
    f.sim.device.remoteWrite({ mode: "eco" });
    f.clock.runFor(10 * HOUR);
    const eco = f.samples.filter((s) => s["at"]! >= 6 * HOUR);
    const ecoFood = eco.reduce((a, s) => a + s["fridgeFoodC"]!, 0) / eco.length;
    expect(ecoFood).toBeGreaterThan(4.5);
    f.sim.device.remoteWrite({ mode: "quickFreeze" });
    f.clock.runFor(4 * HOUR);
    expect(f.sim.device.get("mode")).toBe("normal");
    const done = f.events.find((e) => e.name === "quickFreezeDone");
    expect(done).toBeDefined();
    expect(Math.min(...f.samples.filter((s) => s["at"]! >= 10 * HOUR).map((s) => s["freezerC"]!))).toBeLessThan(-22);
    expectCompressorProtected(f.switches);
  });

  it("keeps the freezer cold on a timer when its sensor fails, and says so", () => {
    const f = fridgeSim();
    f.clock.runFor(HOUR);
    f.cabinet().sensors.set("freezer", "open");
    f.clock.runFor(8 * HOUR);
    expect(f.sim.device.get("error")).toBe(2);
    const after = f.samples.filter((s) => s["at"]! >= 2 * HOUR);
    expect(Math.max(...after.map((s) => s["freezerFoodC"]!))).toBeLessThan(-12);
    expect(Math.max(...after.map((s) => s["fridgeFoodC"]!))).toBeLessThan(8);
    expectCompressorProtected(f.switches);
  });

  it("keeps its settings and its defrost clock through a power cut", () => {
    const f = fridgeSim();
    f.sim.device.remoteWrite({ fridgeTarget: 3, mode: "eco" });
    f.clock.runFor(5 * HOUR);
    const counted = f.sim.storage.kv.getNumber(RUN_KEY);
    expect(counted).toBeGreaterThan(30 * MIN);
    f.sim.cutPower(10_000);
    f.clock.runFor(20_000);
    expect(f.sim.device.get("fridgeTarget")).toBe(3);
    expect(f.sim.device.get("mode")).toBe("eco");
    expect(f.sim.storage.kv.getNumber(RUN_KEY)).toBe(counted);
    // The compressor rests its full minimum off time after the power comes back.
    const back = f.clock.now();
    f.clock.runFor(HOUR);
    const firstStart = f.switches.find((s) => s.on && s.at > back - 20_000);
    expect(firstStart === undefined || firstStart.at - (back - 10_000) >= MIN_OFF_MS).toBe(true);
  });
});

describe("fridge: a door left open for a day", () => {
  it("warms the cabinet and sounds the door alarm, but no sensor is blamed: the evaporator stays within what its thermistor reads", () => {
    const f = fridgeSim(4);
    f.clock.runFor(2 * HOUR);
    f.cabinet().openDoor();
    f.clock.runFor(24 * HOUR);
    const lowest = Math.min(...f.samples.map((s) => s["evaporatorC"]!));
    // A compressor's capacity falls with its suction temperature: the coil cannot run away below what R600a boils at near vacuum.
    expect(lowest).toBeGreaterThan(-50);
    expect(f.sim.device.get("error")).toBe(0);
    expect(f.samples.filter((s) => s["at"]! > 2 * HOUR).every((s) => s["evaporatorC"]! > -50)).toBe(true);
    expect(f.events.some((e) => e.name === "doorLeftOpen")).toBe(true);
  });
});
