import type { Clock } from "./clock.js";

/**
 * Simulated time that runs as fast as events allow: `runUntil` jumps from
 * one wake-up to the next. Same inputs, same order of events, every run.
 */
export class VirtualClock implements Clock {
  private time: number;
  private wakeAt: number | undefined;
  private wake: (() => void) | undefined;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  requestWake(at: number | undefined): void {
    this.wakeAt = at;
  }

  attach(wake: () => void): void {
    if (this.wake !== undefined) throw new Error("VirtualClock: a kernel is already attached");
    this.wake = wake;
  }

  /** Runs everything due up to and including `until`, then sets the time to it. */
  runUntil(until: number): void {
    if (until < this.time) throw new RangeError(`VirtualClock: cannot go back from ${this.time} to ${until}`);
    for (;;) {
      const at = this.wakeAt;
      if (at === undefined || at > until) break;
      this.time = Math.max(this.time, at);
      this.wakeAt = undefined;
      this.wake?.();
    }
    this.time = until;
  }

  runFor(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Moves time forward without running anything due: a loop that was stuck, or a host that was busy. */
  stall(ms: number): void {
    this.time += ms;
  }

  /** When the next wake-up is due, if any: lets a host pace virtual time. */
  nextWake(): number | undefined {
    return this.wakeAt;
  }
}
