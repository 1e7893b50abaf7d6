import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { H1 } from "../../hal/h1.js";
import { HalError } from "../../hal/errors.js";
import { SimulatedH1 } from "../../hal/sim/h1-sim.js";

/** A chip, its clock stepped by hand, and a load that follows the drive at up to `accel` rpm/s. */
function rig(accel = 10_000) {
  let now = 0;
  const h1 = new SimulatedH1(() => now);
  let rpm = 0;
  const errors: HalError[] = [];
  const step = (ms: number, load: { jammed?: boolean; currentA?: number; hallOk?: boolean } = {}): void => {
    for (let t = 0; t < ms; t += 10) {
      now += 10;
      const drive = h1.motor.drive();
      const wanted = drive === undefined || load.jammed ? 0 : drive.rpm;
      rpm = Math.max(0, rpm + Math.max((-accel * 10) / 1000, Math.min((accel * 10) / 1000, wanted - rpm)));
      h1.motor.sense({ rpm, currentA: load.currentA ?? 0.5 + rpm / 1000, rippleA: 0, hallOk: load.hallOk ?? true });
    }
  };
  return { h1, step, errors, now: () => now };
}

describe("Motor (the H1's BLDC controller)", () => {
  it("ramps the speed command at the rate asked, both ways, whatever the targets", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 2000 }), fc.array(fc.record({ rpm: fc.integer({ min: 0, max: 1600 }), afterMs: fc.integer({ min: 10, max: 3000 }) }), { minLength: 1, maxLength: 8 }), (ramp, commands) => {
        const { h1, step } = rig();
        const motor = new h1.io.Motor({ rampRpmPerS: ramp });
        let last = 0;
        for (const c of commands) {
          motor.write({ rpm: c.rpm });
          for (let t = 0; t < c.afterMs; t += 10) {
            step(10);
            const target = motor.read().targetRpm;
            expect(Math.abs(target - last)).toBeLessThanOrEqual((ramp * 10) / 1000 + 1e-9);
            expect(target).toBeLessThanOrEqual(Math.max(last, c.rpm) + 1e-9);
            last = target;
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("a stall (commanded, not turning for 2 s) is reported through onError and the drive stops; 0 rpm clears it", () => {
    const { h1, step } = rig();
    const errors: HalError[] = [];
    const motor = new h1.io.Motor({ rampRpmPerS: 500, onError: (e) => void errors.push(e as HalError) });
    motor.write({ rpm: 800 });
    step(1000, { jammed: true });
    expect(errors).toEqual([]);
    step(2000, { jammed: true });
    expect(errors.map((e) => e.option)).toEqual(["stall"]);
    expect(errors[0]?.message).toMatch(/Motor: stall: the drive is stopped \(commanded \d+ rpm, turning 0 rpm for 2000 ms\)/);
    expect(h1.motor.drive()?.rpm).toBe(0);
    expect(motor.read()).toMatchObject({ state: "fault", fault: "stall", targetRpm: 0 });
    expect(() => motor.write({ rpm: 500 })).toThrow(/in a stall fault; command 0 rpm to clear it/);
    motor.write({ rpm: 0 });
    motor.write({ rpm: 500 });
    step(2000);
    expect(motor.read().state).toBe("running");
  });

  it("over-current and lost hall signals are faults too, each named", () => {
    for (const [load, fault] of [[{ currentA: 7 }, "over-current"], [{ hallOk: false }, "sensor"]] as const) {
      const { h1, step } = rig();
      const errors: HalError[] = [];
      const motor = new h1.io.Motor({ rampRpmPerS: 500, currentLimitA: 5, onError: (e) => void errors.push(e as HalError) });
      motor.write({ rpm: 600 });
      step(500);
      step(100, load);
      expect(errors.map((e) => e.option)).toEqual([fault]);
      expect(h1.motor.drive()?.rpm).toBe(0);
    }
  });

  it("turns the other way only through a stop, and brakes on command", () => {
    const { h1, step } = rig(300);
    const motor = new h1.io.Motor({ rampRpmPerS: 400 });
    motor.write({ rpm: 400 });
    step(3000);
    motor.write({ rpm: 400, direction: -1 });
    step(500);
    expect(motor.read().direction, "still turning the first way, slowing").toBe(1);
    step(3000);
    expect(motor.read()).toMatchObject({ direction: -1, state: "running" });
    motor.write({ brake: true });
    expect(h1.motor.drive()).toMatchObject({ rpm: 0, braking: true });
    expect(motor.read().state).toBe("braking");
  });

  it("checks its options and commands before anything, names what is wrong; a reset or close stops the drive", () => {
    const { h1 } = rig();
    expect(() => new h1.io.Motor({ rampRpmPerS: 5 })).toThrow(/rampRpmPerS must be 10\.\.2000/);
    expect(() => new h1.io.Motor({ rampRpmPerS: 100, currentLimitA: 50 })).toThrow(/currentLimitA must be 0\.5\.\.10 A/);
    const motor = new h1.io.Motor({ rampRpmPerS: 100 });
    expect(() => new h1.io.Motor({ rampRpmPerS: 100 })).toThrow(expect.objectContaining({ code: "pin-in-use" }));
    expect(() => motor.write({ rpm: H1.appliance.bldc.maxRpm + 1 })).toThrow(expect.objectContaining({ option: "rpm" }));
    expect(() => motor.write({ rpm: 100, direction: 0 as never })).toThrow(expect.objectContaining({ option: "direction" }));
    motor.write({ rpm: 300 });
    h1.reset("watchdog");
    expect(h1.motor.drive()).toBeUndefined();
    expect(() => motor.read()).toThrow(expect.objectContaining({ code: "closed" }));
  });
});
