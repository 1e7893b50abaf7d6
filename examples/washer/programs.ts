import type { WasherState } from "./model.js";
import { frozen } from "../../sdk/index.js";

export type ProgramName = WasherState["program"];

/** What a wash program does: how much water, how long each stage, how hot and fast at most. */
export interface Program {
  readonly fillL: number;
  readonly washMin: number;
  readonly rinses: number;
  readonly rinseMin: number;
  readonly maxC: number;
  readonly maxSpin: number;
  readonly spinMin: number;
  /** Seconds of turning, then of rest, while tumbling (gentler for wool). */
  readonly tumble: readonly [number, number];
}

export const PROGRAMS: Readonly<Record<ProgramName, Program>> = frozen({
  cotton: { fillL: 14, washMin: 45, rinses: 2, rinseMin: 8, maxC: 90, maxSpin: 1400, spinMin: 8, tumble: [12, 3] },
  synthetics: { fillL: 12, washMin: 30, rinses: 2, rinseMin: 6, maxC: 60, maxSpin: 1000, spinMin: 6, tumble: [10, 4] },
  quick: { fillL: 10, washMin: 12, rinses: 1, rinseMin: 5, maxC: 30, maxSpin: 800, spinMin: 4, tumble: [12, 3] },
  wool: { fillL: 10, washMin: 15, rinses: 2, rinseMin: 5, maxC: 30, maxSpin: 600, spinMin: 3, tumble: [4, 11] },
});

/** A program run as started: the program and the settings it was started with, capped by it. */
export interface Run {
  readonly program: ProgramName;
  readonly temperatureC: number;
  readonly spin: number;
}

export function runFor(state: Pick<WasherState, "program" | "temperature" | "spin">): Run {
  const p = PROGRAMS[state.program];
  return { program: state.program, temperatureC: Math.min(p.maxC, state.temperature), spin: Math.min(p.maxSpin, state.spin) };
}

/** Heating the fill from mains water: litres x 4186 J/K + the drum, at 2 kW. */
export function heatMinutes(run: Run, fromC: number): number {
  if (run.temperatureC <= 20) return 0;
  const p = PROGRAMS[run.program];
  return (Math.max(0, run.temperatureC - fromC) * (p.fillL * 4186 + 8000)) / 2000 / 60;
}

const FILL_MIN_PER_L = 1 / 10;
const DRAIN_MIN = 1.2;
/** Balancing, ramping up and braking around a spin. */
const SPIN_EXTRA_MIN = 1.5;

/**
 * The run's phases as planned, as the `plan` property carries them: each the
 * state the washer will be in and its minutes to one decimal, in order
 * ("filling:1.4 heating:12.3 washing:45 draining:1.2 ... spinning:9.5").
 * Their sum is expectedMinutes.
 */
export function planText(run: Run, inletC = 15): string {
  const p = PROGRAMS[run.program];
  const fill = p.fillL * FILL_MIN_PER_L;
  const phases: [string, number][] = [["filling", fill], ["heating", heatMinutes(run, inletC)], ["washing", p.washMin], ["draining", DRAIN_MIN]];
  for (let i = 0; i < p.rinses; i++) phases.push(["filling", fill], ["rinsing", p.rinseMin], ["draining", DRAIN_MIN]);
  phases.push(["spinning", p.spinMin + SPIN_EXTRA_MIN]);
  return phases
    .filter(([, minutes]) => minutes > 0)
    .map(([state, minutes]) => `${state}:${minutes.toFixed(1)}`)
    .join(" ");
}

/** Minutes a whole run takes, from the start, with mains water at `inletC`. */
export function expectedMinutes(run: Run, inletC = 15): number {
  const p = PROGRAMS[run.program];
  const fill = p.fillL * FILL_MIN_PER_L;
  const rinse = fill + p.rinseMin + DRAIN_MIN;
  return fill + heatMinutes(run, inletC) + p.washMin + DRAIN_MIN + p.rinses * rinse + p.spinMin + SPIN_EXTRA_MIN;
}
