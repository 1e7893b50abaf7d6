import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { app } from "../../examples/aircon/app.js";
import { airconModel, type AirconState } from "../../examples/aircon/model.js";
import { SEGMENTS, DECIMAL_POINT } from "../../hal/panel-io.js";
import { VirtualClock } from "../../os/index.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { virtualTime } from "../support/virtual-time.js";

const KEY = Object.fromEntries(airconIndoor.panel.keys.map((k, i) => [k, i])) as Record<(typeof airconIndoor.panel.keys)[number], number>;
const WRITABLE = ["power", "mode", "target", "fan", "swing"] as const;

/** What four seven-segment digits read as text (the inverse of the driver's table, written here from it). */
function readDigits(segments: readonly number[]): string {
  const glyph = new Map(Object.entries(SEGMENTS).map(([ch, p]) => [p, ch]));
  return segments
    .map((p) => (glyph.get(p & ~DECIMAL_POINT) ?? "?") + (p & DECIMAL_POINT ? "." : ""))
    .join("")
    .trim();
}

function setup() {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const sim = new HostEngineBoard(app, { clock, seed: 3 });
  sim.connect(() => broker.transport("ac-1"), "ac-1");
  const cloud = new Cloud(broker.transport("cloud"), [airconModel], () => 1_800_000_000_000 + clock.now());
  const reported: Partial<AirconState> = {};
  const device = cloud.device("ac-1", airconModel);
  device.onReport((values) => Object.assign(reported, values));
  void cloud.start();
  const { run } = virtualTime(clock, 30_000);
  return { clock, sim, cloud, device, reported, run };
}

const op = fc.oneof(
  fc.record({ kind: fc.constant("key" as const), key: fc.constantFrom(...Object.values(KEY)), holdMs: fc.oneof(fc.constant(80), fc.integer({ min: 40, max: 2500 })) }),
  fc.record({
    kind: fc.constant("cloud" as const),
    values: fc.oneof(
      fc.record({ power: fc.boolean() }),
      fc.record({ mode: fc.constantFrom(...airconModel.spec.properties.mode.values) }),
      fc.record({ target: fc.integer({ min: 32, max: 60 }).map((h) => h / 2) }),
      fc.record({ fan: fc.constantFrom(...airconModel.spec.properties.fan.values) }),
      fc.record({ swing: fc.boolean() }),
    ),
  }),
);

describe("the air conditioner's panel and the cloud", () => {
  it("never disagree: after any interleaving of key presses and cloud sets, the unit, its display and the cloud's view are one state", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ op, gapMs: fc.integer({ min: 0, max: 1500 }) }), { minLength: 1, maxLength: 14 }), async (ops) => {
        const t = setup();
        await t.run(3_000);
        for (const { op: o, gapMs } of ops) {
          if (o.kind === "key") {
            t.sim.h1.panel.touch(o.key, true);
            await t.run(o.holdMs);
            t.sim.h1.panel.touch(o.key, false);
          } else {
            void t.device.set(o.values as never).catch(() => undefined);
          }
          await t.run(gapMs);
        }
        await t.run(5_000);
        const state = t.sim.device.snapshot();
        // The cloud heard every change, from either side: its view is the unit's.
        for (const name of WRITABLE) expect(t.reported[name], name).toEqual(state[name]);
        // The display shows the unit's state, as the panel's contract says.
        const view = t.sim.h1.panel.display();
        if (!state.power) expect(readDigits(view.segments)).toBe("");
        else {
          expect(readDigits(view.segments)).toBe(Number.isInteger(state.target) ? String(state.target) : state.target.toFixed(1));
          const lit = airconIndoor.panel.indicators.filter((_, i) => view.indicators & (1 << i));
          expect(lit).toEqual(expect.arrayContaining([state.mode, ...(state.swing ? ["swing"] : [])]));
          expect(lit.filter((l) => (airconModel.spec.properties.mode.values as readonly string[]).includes(l))).toEqual([state.mode]);
        }
        await t.cloud.stop();
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it("a key is the user's write: it changes the setting, saves it, and the cloud sees it; off, only power works", async () => {
    const t = setup();
    await t.run(3_000);
    const press = async (key: number): Promise<void> => {
      t.sim.h1.panel.touch(key, true);
      await t.run(100);
      t.sim.h1.panel.touch(key, false);
      await t.run(500);
    };
    expect(t.sim.device.snapshot()).toMatchObject({ power: true, target: 24 }); // the simulator's app starts it on
    await press(KEY.power);
    expect(readDigits(t.sim.h1.panel.display().segments), "off: the display is dark").toBe("");
    await press(KEY.up);
    expect(t.sim.device.get("target"), "off: the up key does nothing").toBe(24);
    await press(KEY.power);
    await press(KEY.up);
    await press(KEY.up);
    expect(t.sim.device.snapshot()).toMatchObject({ power: true, target: 25 });
    expect(t.reported).toMatchObject({ power: true, target: 25 });
    expect(readDigits(t.sim.h1.panel.display().segments)).toBe("25");
    // Held, down repeats: from the long press on, every 200 ms.
    t.sim.h1.panel.touch(KEY.down, true);
    await t.run(830 + 4 * 200 + 50);
    t.sim.h1.panel.touch(KEY.down, false);
    await t.run(500);
    expect(t.sim.device.get("target")).toBe(22.5);
    expect(readDigits(t.sim.h1.panel.display().segments)).toBe("22.5");
    await t.cloud.stop();
  }, 60_000);
});

describe("the washer's panel", () => {
  it("program, temperature and spin keys between runs; start, pause and resume on one key; a long press cancels; the display counts the minutes down", async () => {
    const { app: washerApp } = await import("../../examples/washer/app.js");
    const { washer } = await import("../../boards/washer/index.js");
    const { washerModel } = await import("../../examples/washer/model.js");
    const K = Object.fromEntries(washer.panel.keys.map((k, i) => [k, i])) as Record<(typeof washer.panel.keys)[number], number>;
    const clock = new VirtualClock();
    const broker = new MemoryBroker();
    const sim = new HostEngineBoard(washerApp, { clock, seed: 5 });
    sim.connect(() => broker.transport("w-1"), "w-1");
    const cloud = new Cloud(broker.transport("cloud"), [washerModel], () => 1_800_000_000_000 + clock.now());
    const reported: Record<string, unknown> = {};
    cloud.device("w-1", washerModel).onReport((v) => Object.assign(reported, v));
    void cloud.start();
    const { run } = virtualTime(clock, 30_000);
    const touch = async (key: number, ms = 100): Promise<void> => {
      sim.h1.panel.touch(key, true);
      await run(ms);
      sim.h1.panel.touch(key, false);
      await run(600);
    };
    const shown = (): string => readDigits(sim.h1.panel.display().segments);
    await run(3_000);
    const first = sim.device.get("program");
    await touch(K.program);
    const program = sim.device.get("program");
    expect(program).not.toBe(first);
    expect(reported["program"], "the cloud sees the panel's choice").toBe(program);
    const lit = washer.panel.indicators.filter((_, i) => sim.h1.panel.display().indicators & (1 << i));
    expect(lit).toContain(program);
    await touch(K.start);
    await run(60_000);
    expect(sim.device.get("state")).not.toBe("idle");
    expect(shown()).toBe(String(sim.device.get("remaining")));
    await touch(K.program);
    expect(sim.device.get("program"), "no program change during a run").toBe(program);
    await touch(K.start);
    expect(sim.device.get("state")).toBe("paused");
    expect(sim.h1.panel.display().blink).toBe(true);
    await touch(K.start);
    expect(sim.device.get("state")).not.toBe("paused");
    await touch(K.cancel);
    expect(sim.device.get("state"), "a short touch does not cancel").not.toBe("cancelling");
    await touch(K.cancel, 1_000);
    expect(["cancelling", "idle"]).toContain(sim.device.get("state"));
    await cloud.stop();
  }, 60_000);
});

describe("the fridge's display", () => {
  it("shows the fridge temperature, and the door alarm as a blinking \"door\" for as long as it sounds", async () => {
    const { app: fridgeApp } = await import("../../examples/fridge/app.js");
    const { CabinetPlant } = await import("../../boards/fridge/plant.js");
    const clock = new VirtualClock();
    const sim = new HostEngineBoard(fridgeApp, { clock, seed: 5 });
    clock.runFor(60_000);
    expect(readDigits(sim.h1.panel.display().segments)).toBe(String(Math.round(sim.device.get("fridge"))));
    const plant = sim.plant as InstanceType<typeof CabinetPlant>;
    plant.openDoor();
    clock.runFor(60_000);
    expect(sim.h1.panel.display().blink).toBe(false);
    clock.runFor(70_000);
    expect(sim.device.get("doorAlarm")).toBe(true);
    expect(sim.h1.panel.display()).toMatchObject({ text: "door", blink: true });
    plant.shutDoor();
    clock.runFor(5_000);
    expect(sim.h1.panel.display().blink).toBe(false);
    expect(readDigits(sim.h1.panel.display().segments)).toBe(String(Math.round(sim.device.get("fridge"))));
  });
});
