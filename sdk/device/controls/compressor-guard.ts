import type { Digital } from "../../../hal/io.js";
import type { Kernel } from "../../../os/kernel.js";

export interface CompressorTimes {
  /** At least this long off before a restart: lets refrigerant pressures equalise. */
  readonly minOffMs: number;
  /** At least this long on once started: short cycles wear the contactor and return no oil. */
  readonly minOnMs: number;
}

/**
 * A compressor relay behind its protection timers. Callers say what they
 * want; the guard switches only when the timers allow, and never otherwise.
 * Air conditioners, fridges and heat-pump dryers all need one.
 */
export class CompressorGuard {
  private on = false;
  private changedAt: number;
  starts = 0;

  constructor(
    private readonly relay: Digital,
    private readonly kernel: Kernel,
    private readonly times: CompressorTimes,
  ) {
    relay.write(0);
    // After a reset the compressor may have just stopped: wait the full off time.
    this.changedAt = kernel.now();
  }

  get running(): boolean {
    return this.on;
  }

  /** Stops at once, whatever the minimum on time: for power-off and faults. */
  stopNow(): void {
    if (!this.on) return;
    this.on = false;
    this.changedAt = this.kernel.now();
    this.relay.write(0);
  }

  /** Moves toward `want`; returns whether the compressor now runs. */
  request(want: boolean): boolean {
    if (want === this.on) return this.on;
    const elapsed = this.kernel.now() - this.changedAt;
    if (elapsed < (this.on ? this.times.minOnMs : this.times.minOffMs)) return this.on;
    this.on = want;
    this.changedAt = this.kernel.now();
    if (want) this.starts++;
    this.relay.write(want ? 1 : 0);
    return this.on;
  }
}
