import { defineRecord, field, type CborValue, frozen } from "../../sdk/index.js";
import { PROGRAMS, type ProgramName, type Run } from "./programs.js";

/** The stages a run works through; a power cut resumes at the one it was in. */
export const STAGES = frozen(["fill", "heat", "wash", "drain", "rinse", "balance", "ramp", "hold", "brake"] as const);
export type Stage = (typeof STAGES)[number];

/** Where a run is: all a washer needs to carry on after a power cut. */
export interface Progress {
  run: Run;
  stage: Stage;
  /** Time spent in this stage so far. */
  stageMs: number;
  washed: boolean;
  rinsesDone: number;
  /** The spin this run will do: the run's, lowered when the load will not balance. */
  spinTarget: number;
  /** Attempts to balance the load before this spin. */
  tries: number;
  /** Time worked on the run (not paused). */
  elapsedMs: number;
  paused: boolean;
}

export function newProgress(run: Run): Progress {
  return { run, stage: "fill", stageMs: 0, washed: false, rinsesDone: 0, spinTarget: run.spin, tries: 0, elapsedMs: 0, paused: false };
}

/** As stored in flash: one record of the run and where it stands (numbers rounded to whole ms). */
const progressRecord = defineRecord("wash progress", 1, {
  program: field.oneOf(...(Object.keys(PROGRAMS) as ProgramName[])),
  temperatureC: field.nonNegative,
  spin: field.nonNegative,
  stage: field.oneOf(...STAGES),
  stageMs: field.nonNegative,
  washed: field.bool,
  rinsesDone: field.nonNegative,
  spinTarget: field.nonNegative,
  tries: field.nonNegative,
  elapsedMs: field.nonNegative,
  paused: field.bool,
});

export function encodeProgress(p: Progress): CborValue {
  const { run, stageMs, elapsedMs, ...rest } = p;
  return progressRecord.encode({ ...rest, program: run.program, temperatureC: run.temperatureC, spin: run.spin, stageMs: Math.round(stageMs), elapsedMs: Math.round(elapsedMs) });
}

/** Reads a stored progress back; throws a StorageError ("record") naming what is wrong with it. */
export function decodeProgress(stored: unknown): Progress {
  const { program, temperatureC, spin, ...rest } = progressRecord.decode(stored);
  return { ...rest, run: { program, temperatureC, spin } };
}
