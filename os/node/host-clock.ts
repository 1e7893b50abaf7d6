import type { Clock } from "../clock.js";
import { VirtualClock } from "../virtual-clock.js";

/** Real time on Node: the kernel's wake-ups become host timers. Node-only. */
export class HostClock implements Clock {
  private readonly origin = performance.now();
  private handle: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  now(): number {
    return performance.now() - this.origin;
  }
  requestWake(at: number | undefined): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    if (at === undefined) return;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.wake?.();
    }, Math.max(0, at - this.now()));
  }
  attach(wake: () => void): void {
    this.wake = wake;
  }
  stop(): void {
    this.requestWake(undefined);
  }
}

/**
 * Drives a virtual clock at `speed` times real time, so simulated appliances
 * can talk to a real broker while hours pass in seconds. Node-only.
 */
export class PacedClock extends VirtualClock {
  private timer: NodeJS.Timeout | undefined;
  private realStart = 0;
  private virtualStart = 0;
  /** Virtual time never passes this while paced (a run's end). */
  limit = Infinity;

  constructor(
    readonly speed: number,
    private readonly tickMs = 5,
  ) {
    super(0);
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`PacedClock: speed must be a positive number, got ${speed}`);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.realStart = performance.now();
    this.virtualStart = this.now();
    this.timer = setInterval(() => this.step(), this.tickMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private step(): void {
    const target = this.virtualStart + (performance.now() - this.realStart) * this.speed;
    this.runUntil(Math.min(this.limit, Math.floor(target)));
  }
}
