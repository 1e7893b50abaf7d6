import { HearthError } from "../../sdk/index.js";

/** Longest the frost phase may take before drying starts anyway. */
const FROST_MAX_MS = 6 * 60_000;
/** Coil temperature at which the frost has formed. */
const FROSTED_C = -5;

export type CleanPhase = "frost" | "dry";
export interface CleanResult {
  minutes: number;
  coilMinC: number;
}

/**
 * The self-clean program: frost the coil (compressor on, fan off), then thaw
 * and dry it (compressor off, fan at full). The firmware's control loop calls
 * `step` every tick and drives the outputs the phase asks for.
 */
export class SelfClean {
  phase: CleanPhase = "frost";
  private phaseStart: number;
  private coilMinC = Infinity;
  private readonly startedAt: number;
  readonly done: Promise<CleanResult>;
  private resolve!: (result: CleanResult) => void;
  private reject!: (error: Error) => void;

  constructor(
    now: number,
    private readonly dryMs: number,
  ) {
    this.startedAt = now;
    this.phaseStart = now;
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Advances the program; returns true while it still runs. */
  step(now: number, coilC: number, compressorRunning: boolean): boolean {
    this.coilMinC = Math.min(this.coilMinC, coilC);
    if (this.phase === "frost") {
      // The frost clock starts only once the compressor actually runs (its off-timer may hold it).
      if (!compressorRunning) this.phaseStart = now;
      if (coilC <= FROSTED_C || now - this.phaseStart >= FROST_MAX_MS) {
        this.phase = "dry";
        this.phaseStart = now;
      }
      return true;
    }
    if (now - this.phaseStart < this.dryMs) return true;
    this.resolve({
      minutes: Math.round((now - this.startedAt) / 6000) / 10,
      coilMinC: Math.round(this.coilMinC * 10) / 10,
    });
    return false;
  }

  abort(reason: string): void {
    this.reject(new HearthError("failed", `self-clean stopped: ${reason}`, "selfClean"));
  }
}
