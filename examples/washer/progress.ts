import type { CborValue } from "../../sdk/index.js";
import { PROGRAMS, type ProgramName, type Run } from "./programs.js";

/** The stages a run works through; a power cut resumes at the one it was in. */
export const STAGES = ["fill", "heat", "wash", "drain", "rinse", "balance", "ramp", "hold", "brake"] as const;
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

const FORMAT = 1;

/** As stored in flash: a CBOR array, the format's number first. */
export function encodeProgress(p: Progress): CborValue {
  return [FORMAT, p.run.program, p.run.temperatureC, p.run.spin, p.stage, Math.round(p.stageMs), p.washed, p.rinsesDone, p.spinTarget, p.tries, Math.round(p.elapsedMs), p.paused];
}

/** Reads a stored progress back; throws a RangeError naming what is wrong with it. */
export function decodeProgress(stored: unknown): Progress {
  if (!Array.isArray(stored) || stored.length !== 12 || stored[0] !== FORMAT) throw new RangeError("not a format-1 progress record");
  const [, program, temperatureC, spin, stage, stageMs, washed, rinsesDone, spinTarget, tries, elapsedMs, paused] = stored as unknown[];
  if (typeof program !== "string" || !(program in PROGRAMS)) throw new RangeError(`unknown program ${String(program)}`);
  if (typeof stage !== "string" || !(STAGES as readonly string[]).includes(stage)) throw new RangeError(`unknown stage ${String(stage)}`);
  const numbers = [temperatureC, spin, stageMs, rinsesDone, spinTarget, tries, elapsedMs];
  if (!numbers.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)) throw new RangeError("a count is not a non-negative number");
  if (typeof washed !== "boolean" || typeof paused !== "boolean") throw new RangeError("a flag is not a boolean");
  return {
    run: { program: program as ProgramName, temperatureC: temperatureC as number, spin: spin as number },
    stage: stage as Stage,
    stageMs: stageMs as number,
    washed,
    rinsesDone: rinsesDone as number,
    spinTarget: spinTarget as number,
    tries: tries as number,
    elapsedMs: elapsedMs as number,
    paused,
  };
}
