import { HalError } from "../errors.js";
import type { HardwareWatchdog } from "../io.js";

/** Longest watchdog timeout the H1's prescaler allows. */
export const MAX_WATCHDOG_MS = 32_000;

/** The H1's independent watchdog, counted on the board's clock (it keeps counting while the CPU is stuck). */
export class SimWatchdog implements HardwareWatchdog {
  timeoutMs: number | undefined;
  private lastFeed = 0;

  constructor(private readonly now: () => number) {}

  start(timeoutMs: number): void {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_WATCHDOG_MS) {
      throw new HalError("bad-option", `Watchdog: timeout ${String(timeoutMs)} ms is out of range 1..${MAX_WATCHDOG_MS}`, "timeoutMs");
    }
    if (this.timeoutMs !== undefined) throw new HalError("bad-option", "Watchdog: already started; it cannot be changed until reset");
    this.timeoutMs = timeoutMs;
    this.lastFeed = this.now();
  }

  feed(): void {
    if (this.timeoutMs !== undefined) this.lastFeed = this.now();
  }

  get lastFedAt(): number {
    return this.lastFeed;
  }

  /** When it bites, if it runs and is not fed before then. */
  get deadline(): number | undefined {
    return this.timeoutMs === undefined ? undefined : this.lastFeed + this.timeoutMs;
  }

  /** A reset stops it, as on the chip. */
  reset(): void {
    this.timeoutMs = undefined;
  }
}
