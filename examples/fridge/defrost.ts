/** Defrost after this much compressor running since the last one (frost builds while it runs). */
export const DEFROST_AFTER_RUN_MS = 6 * 3_600_000;
/** The heater stops once the evaporator is this warm: the ice has gone. */
const DONE_C = 8;
/** ...or after this long, whatever the sensor says (a failed sensor must not cook the freezer). */
const MAX_HEAT_MS = 30 * 60_000;
/** Meltwater drips off before the compressor starts again. */
const DRIP_MS = 4 * 60_000;

export type DefrostPhase = "heat" | "drip";

/**
 * Defrosting the evaporator: when it is due (compressor run time, counted
 * across power cuts by the caller) or asked for, heat it until the ice has
 * gone, then let it drip before cooling again.
 */
export class Defrost {
  phase: DefrostPhase | undefined;
  private phaseSince = 0;
  private startedAt = 0;
  /** Why the running defrost started: asked for, or due. */
  asked = false;

  constructor(public runSinceMs: number) {}

  get active(): boolean {
    return this.phase !== undefined;
  }

  /** Counts compressor running toward the next defrost. */
  ran(ms: number): void {
    this.runSinceMs += ms;
  }

  get due(): boolean {
    return this.runSinceMs >= DEFROST_AFTER_RUN_MS;
  }

  start(now: number, asked: boolean): void {
    this.phase = "heat";
    this.asked = asked;
    this.startedAt = this.phaseSince = now;
  }

  /** Moves the defrost on; returns its minutes once it has finished. `evaporatorC` undefined: the sensor failed. */
  step(now: number, evaporatorC: number | undefined): number | undefined {
    if (this.phase === "heat" && ((evaporatorC ?? -99) >= DONE_C || now - this.phaseSince >= MAX_HEAT_MS)) {
      this.phase = "drip";
      this.phaseSince = now;
    } else if (this.phase === "drip" && now - this.phaseSince >= DRIP_MS) {
      this.phase = undefined;
      this.runSinceMs = 0;
      return (now - this.startedAt) / 60_000;
    }
    return undefined;
  }
}
