/**
 * The H1's BLDC motor controller as an IO class, in the ECMA-419 pattern
 * (hal/io.ts). Its contract is hal/MOTOR.md. The controller commutates the
 * three phases, ramps the speed and watches for faults itself: firmware sets
 * a target and reads what the motor does.
 */
import { HalError } from "./errors.js";
import { H1 } from "./h1.js";
import type { IOCallbacks } from "./io-base.js";

export type MotorFault = "stall" | "over-current" | "sensor";

/** What firmware asks: a speed (and a direction), or the brake. */
export type MotorCommand = { readonly rpm: number; readonly direction?: 1 | -1 } | { readonly brake: true };

export interface MotorReading {
  /** Measured speed, rpm (from the hall sensors). */
  readonly rpm: number;
  /** Where the ramp has brought the speed command so far. */
  readonly targetRpm: number;
  readonly direction: 1 | -1;
  /** Phase current, amperes, averaged over the last turn. */
  readonly currentA: number;
  /** The phase current's swing over the last turn, amperes: a load lying to one side makes it swing once a turn. */
  readonly rippleA: number;
  readonly state: "stopped" | "running" | "braking" | "fault";
  /** Set while the state is `fault`. */
  readonly fault?: MotorFault;
}

export interface MotorOptions extends IOCallbacks<Motor> {
  /** The speed command's ramp, both ways: rpm per second (10..2000). */
  rampRpmPerS: number;
  /** Phase current above this is an over-current fault, amperes (0.5..10). Default 5. */
  currentLimitA?: number;
}

export interface Motor {
  readonly format: "object";
  readonly maxRpm: number;
  write(command: MotorCommand): void;
  read(): MotorReading;
  close(): void;
}

/** Checks a command whole, naming the field at fault. */
export function motorCommand(c: unknown): MotorCommand {
  const m = c as { rpm?: unknown; direction?: unknown; brake?: unknown } | null;
  if (typeof m !== "object" || m === null) throw new HalError("bad-option", `Motor: write takes { rpm, direction? } or { brake: true }, got ${String(c)}`, "rpm");
  if (m.brake === true) return { brake: true };
  if (typeof m.rpm !== "number" || !Number.isFinite(m.rpm) || m.rpm < 0 || m.rpm > H1.appliance.bldc.maxRpm) throw new HalError("bad-option", `Motor: rpm must be 0..${H1.appliance.bldc.maxRpm}, got ${String(m.rpm)}`, "rpm");
  if (m.direction !== undefined && m.direction !== 1 && m.direction !== -1) throw new HalError("bad-option", `Motor: direction must be 1 or -1, got ${String(m.direction)}`, "direction");
  return m.direction === undefined ? { rpm: m.rpm } : { rpm: m.rpm, direction: m.direction };
}

/** Checks the options, returning them with defaults. */
export function motorOptions(o: MotorOptions): { rampRpmPerS: number; currentLimitA: number } {
  const ramp = o.rampRpmPerS;
  if (typeof ramp !== "number" || !Number.isFinite(ramp) || ramp < 10 || ramp > 2000) throw new HalError("bad-option", `Motor: option rampRpmPerS must be 10..2000 rpm a second, got ${String(ramp)}`, "rampRpmPerS");
  const limit = o.currentLimitA ?? 5;
  if (typeof limit !== "number" || !Number.isFinite(limit) || limit < 0.5 || limit > 10) throw new HalError("bad-option", `Motor: option currentLimitA must be 0.5..10 A, got ${String(limit)}`, "currentLimitA");
  return { rampRpmPerS: ramp, currentLimitA: limit };
}
