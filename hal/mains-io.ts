/**
 * The H1's mains IO classes, in the ECMA-419 pattern (hal/io.ts): the
 * zero-cross detector and the triac gate drivers it times. Their contract is
 * hal/MAINS.md. The gates are fired by the chip, not by firmware: firmware
 * sets a mode and a value, and nothing it runs is in the microsecond path.
 */
import { HalError } from "./errors.js";
import type { IOCallbacks } from "./io-base.js";
import { requiredInteger } from "./options.js";

/** The mains as the detector sees it: regular crossings, crossings outside 45..65 Hz, or none. */
export type MainsState = "ok" | "irregular" | "lost";

export interface ZeroCrossReading {
  /** Chip time (ms, as `now()`) of the last crossing the detector saw; 0 before the first. */
  readonly at: number;
  /** Crossings seen since the detector was opened. */
  readonly crossings: number;
  /** Mains frequency measured over the last crossings (Hz); 0 when lost. */
  readonly hz: number;
  readonly mains: MainsState;
}

export interface ZeroCrossOptions extends IOCallbacks<ZeroCross> {
  /** The detector's input: the H1's zero-cross pin (hal/h1.ts). */
  pin: number;
}

/** The mains zero-cross detector. onReadable is called when the mains' state changes, never per crossing. */
export interface ZeroCross {
  readonly format: "object";
  read(): ZeroCrossReading;
  close(): void;
}

/**
 * What a gate does from the next positive-going crossing on:
 * - `off`: never fires.
 * - `phase`: phase-angle control, every half-cycle: conducts for `angle` degrees of each (0..180;
 *   the gate fires (180 - angle) / 180 of a measured half-cycle after the crossing).
 * - `burst`: cycle control for heaters: conducts `on` of every `period` half-cycles, whole mains
 *   cycles only (both even, 0 <= on <= period <= 200), spread evenly, switched at the crossing.
 */
export type TriacSetting = { readonly mode: "off" } | { readonly mode: "phase"; readonly angle: number } | { readonly mode: "burst"; readonly on: number; readonly period: number };

export interface TriacOptions extends IOCallbacks<Triac> {
  /** One of the H1's triac gate pins (hal/h1.ts). */
  pin: number;
}

/** One triac gate driver. It starts `off`; it stops firing on close, on any reset, and within a half-cycle of the mains going. */
export interface Triac {
  readonly format: "object";
  /** The gate's timing step, in microseconds. */
  readonly resolutionUs: number;
  write(setting: TriacSetting): void;
  read(): TriacSetting;
  close(): void;
}

/** Checks a setting whole (hal/mains-io.ts TriacSetting), naming the field at fault. */
export function triacSetting(value: unknown): TriacSetting {
  const s = value as { mode?: unknown; angle?: unknown; on?: unknown; period?: unknown } | undefined;
  if (typeof s !== "object" || s === null) throw new HalError("bad-option", `Triac: write takes a setting { mode: "off" | "phase" | "burst", ... }, got ${String(value)}`, "mode");
  if (s.mode === "off") return { mode: "off" };
  if (s.mode === "phase") {
    if (typeof s.angle !== "number" || !Number.isFinite(s.angle) || s.angle < 0 || s.angle > 180) {
      throw new HalError("bad-option", `Triac: angle must be a conduction angle 0..180 degrees, got ${String(s.angle)}`, "angle");
    }
    return { mode: "phase", angle: s.angle };
  }
  if (s.mode === "burst") {
    const period = requiredInteger("Triac", "period", s.period, 2, 200);
    const on = requiredInteger("Triac", "on", s.on, 0, period);
    if (period % 2 !== 0) throw new HalError("bad-option", `Triac: period = ${period} half-cycles is not whole mains cycles (an even number)`, "period");
    if (on % 2 !== 0) throw new HalError("bad-option", `Triac: on = ${on} half-cycles is not whole mains cycles (an even number): the load would draw DC`, "on");
    return { mode: "burst", on, period };
  }
  throw new HalError("bad-option", `Triac: option mode = ${String(s.mode)} is not one of off, phase, burst`, "mode");
}

/** A setting as the native binding carries it (hal/NATIVE.md triacWrite): mode 0 off, 1 phase, 2 burst, and two numbers. */
export function triacNumbers(s: TriacSetting): [mode: number, a: number, b: number] {
  return s.mode === "off" ? [0, 0, 0] : s.mode === "phase" ? [1, s.angle, 0] : [2, s.on, s.period];
}

export function triacFromNumbers(mode: number, a: number, b: number): TriacSetting {
  return triacSetting(mode === 0 ? { mode: "off" } : mode === 1 ? { mode: "phase", angle: a } : mode === 2 ? { mode: "burst", on: a, period: b } : { mode: `#${mode}` });
}
