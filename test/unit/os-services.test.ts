import { describe, expect, expectTypeOf, it } from "vitest";
import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { app } from "../../examples/aircon/app.js";
import { AirconError } from "../../examples/aircon/firmware.js";
import { Bus, FaultGuard, Kernel, Log, Services, VirtualClock, formatRecord, type Fault } from "../../os/index.js";
import { defineApp } from "../../sdk/desk/sim/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

function kernel(onFault?: (f: Fault) => void) {
  const clock = new VirtualClock();
  return { clock, kernel: new Kernel({ clock, ...(onFault ? { onFault } : {}) }) };
}

describe("bus", () => {
  type Topics = { door: { open: boolean }; temp: number };

  it("delivers after the publisher returns, in subscription order; a throwing listener does not stop the others", () => {
    const faults: Fault[] = [];
    const { clock, kernel: k } = kernel((f) => faults.push(f));
    const bus = new Bus<Topics>(k);
    const got: string[] = [];
    bus.subscribe("door", (m) => got.push(`a:${m.open}`));
    bus.subscribe("door", () => {
      throw new Error("listener bug");
    });
    bus.subscribe("door", (m) => got.push(`c:${m.open}`));
    bus.publish("door", { open: true });
    expect(got).toEqual([]);
    clock.runFor(0);
    expect(got).toEqual(["a:true", "c:true"]);
    expect(faults.map((f) => f.task)).toEqual(["bus:door"]);
  });

  it("is typed by topic", () => {
    const bus = new Bus<Topics>(kernel().kernel);
    // @ts-expect-error unknown topic
    bus.publish("window", 1);
    // @ts-expect-error wrong message type
    bus.publish("temp", "hot");
    bus.subscribe("temp", (t) => expectTypeOf(t).toEqualTypeOf<number>());
  });
});

describe("log", () => {
  it("keeps the newest records in a ring, passes them to sinks, and survives a broken sink", () => {
    const { clock, kernel: k } = kernel();
    const log = new Log(k, 3);
    const seen: string[] = [];
    log.addSink(() => {
      throw new Error("sink down");
    });
    log.addSink((r) => seen.push(formatRecord(r)));
    for (let i = 0; i < 5; i++) {
      clock.runFor(1000);
      log.info("t", `m${i}`, { i });
    }
    expect(log.records().map((r) => r.message)).toEqual(["m2", "m3", "m4"]);
    expect(log.dropped).toBe(2);
    expect(seen[4]).toBe('5.000s INFO t: m4 {"i":4}');
    log.minLevel = "warn";
    log.info("t", "quiet");
    expect(log.records().length).toBe(3);
    expect(log.records()[2]!.message).toBe("m4");
  });
});

describe("services", () => {
  it("start in dependency order and stop in reverse", async () => {
    const calls: string[] = [];
    const svc = (name: string, after: string[] = []) => ({
      name,
      after,
      init: () => void calls.push(`init ${name}`),
      start: () => void calls.push(`start ${name}`),
      stop: () => void calls.push(`stop ${name}`),
    });
    const s = new Services().add(svc("link", ["storage", "clock"])).add(svc("storage")).add(svc("clock", ["storage"]));
    await s.start();
    await s.stop();
    expect(calls).toEqual([
      "init storage", "init clock", "init link",
      "start storage", "start clock", "start link",
      "stop link", "stop clock", "stop storage",
    ]);
  });

  it("name a missing dependency or a cycle before anything runs", async () => {
    await expect(new Services().add({ name: "a", after: ["b"] }).start()).rejects.toThrow(/a needs b, which is not added/);
    const cycle = new Services().add({ name: "a", after: ["b"] }).add({ name: "b", after: ["a"] });
    expect(() => cycle.order()).toThrow(/cycle: a -> b -> a/);
  });
});

describe("faults", () => {
  it("one fault is contained; repeated faults in the window trip the guard once", () => {
    const { clock, kernel: k } = kernel();
    const tripped: number[] = [];
    new FaultGuard(k, { limit: 3, windowMs: 10_000, enter: (recent) => tripped.push(recent.length) });
    let runs = 0;
    k.every(4000, () => {
      runs++;
      throw new Error("flaky");
    });
    clock.runFor(8000); // 2 faults within 10 s
    expect(tripped).toEqual([]);
    clock.runFor(4000); // the third
    expect(tripped).toEqual([3]);
    clock.runFor(40_000);
    expect(tripped).toEqual([3]);
    expect(runs).toBe(13); // the loop went on throughout
  });

  it("faults spread wider than the window never trip it", () => {
    const { clock, kernel: k } = kernel();
    const guard = new FaultGuard(k, { limit: 3, windowMs: 10_000, enter: () => undefined });
    k.every(6000, () => {
      throw new Error("rare");
    });
    clock.runFor(600_000);
    expect(guard.tripped).toBe(false);
  });

  it("the air conditioner's safe state: compressor and fan off, error 3 reported", () => {
    const clock = new VirtualClock();
    const buggy = defineApp({
      ...app,
      firmware: (ctx) => {
        app.firmware(ctx);
        ctx.kernel.after(10 * 60_000, () => ctx.kernel.every(5000, () => {
          throw new Error("a bug in a new feature");
        }, { task: "feature" }));
      },
    });
    const sim = new HostEngineBoard(buggy, { clock, seed: 2 });
    clock.runFor(9 * 60_000);
    expect(sim.device.get("compressor")).toBe(true);
    clock.runFor(2 * 60_000);
    expect(sim.device.get("error")).toBe(AirconError.repeatedFaults);
    expect(sim.h1.level(airconIndoor.parts.compressorRelay.pin)).toBe(0);
    expect(sim.h1.pwmOutput(airconIndoor.parts.indoorFan.pin)?.duty).toBe(0);
    expect(sim.log.records().some((r) => r.level === "error" && /safe state/.test(r.message))).toBe(true);
    expect(sim.kernel.faultCount).toBeGreaterThanOrEqual(5);
    expect(sim.resets).toEqual([]); // contained: no reset needed, the control task still checks in
  });
});
