import type { Fault, Kernel } from "./kernel.js";

export interface FaultGuardOptions {
  /** This many faults ... */
  limit: number;
  /** ... within this long put the appliance into its safe state. */
  windowMs: number;
  /** The firmware's safe state: called once, when the limit is reached. */
  enter: (recent: readonly Fault[]) => void;
}

/**
 * Counts faults in a sliding window. One fault is contained and the loop goes
 * on; repeated faults mean something is wrong that will not mend itself, so
 * the firmware's safe state takes over (and stays until `clear`).
 */
export class FaultGuard {
  private recent: Fault[] = [];
  tripped = false;

  constructor(
    kernel: Kernel,
    private readonly options: FaultGuardOptions,
  ) {
    if (!(options.limit >= 1) || !(options.windowMs > 0)) throw new RangeError("FaultGuard: limit must be >= 1 and windowMs > 0");
    kernel.onFault((fault) => this.record(fault));
  }

  clear(): void {
    this.recent = [];
    this.tripped = false;
  }

  private record(fault: Fault): void {
    this.recent = this.recent.filter((f) => fault.at - f.at < this.options.windowMs);
    this.recent.push(fault);
    if (!this.tripped && this.recent.length >= this.options.limit) {
      this.tripped = true;
      this.options.enter([...this.recent]);
    }
  }
}
