import type { Clock } from "../clock.js";
import { VirtualClock } from "../virtual-clock.js";

/** Real time on Node: the kernel's wake-ups become host timers. Node-only. */
export class HostClock implements Clock {
  private readonly origin = performance.now();
  private handle: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private wake: (() => void) | undefined;

  now(): number {
    return performance.now() - this.origin;
  }
  requestWake(at: number | undefined): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.handle = undefined;
    this.immediate = undefined;
    if (at === undefined) return;
    const delay = at - this.now();
    const fire = (): void => {
      this.handle = undefined;
      this.immediate = undefined;
      this.wake?.();
    };
    // Work due now runs on the next turn of Node's loop, not after setTimeout's 1 ms floor.
    if (delay <= 0) this.immediate = setImmediate(fire);
    else this.handle = setTimeout(fire, delay);
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
  private immediate: NodeJS.Immediate | undefined;
  private realStart = 0;
  private virtualStart = 0;
  /** Virtual time never passes this while paced (a run's end). */
  limit = Infinity;

  constructor(
    readonly speed: number,
    private readonly tickMs = 5,
    private readonly maxLagMs = 50,
  ) {
    super(0);
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`PacedClock: speed must be a positive number, got ${speed}`);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.realStart = performance.now();
    this.virtualStart = this.now();
    this.timer = setInterval(() => this.step(), this.tickMs);
    // Work due now (a message arrived) runs on the next turn of Node's loop, not at the next tick.
    this.wakeRequested = (at) => {
      if (this.timer === undefined || this.immediate !== undefined || at > this.now()) return;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.step();
      });
    };
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /**
   * Runs virtual time up to where the speed says it should be, but never more
   * than `maxLagMs` of real time's worth in one go: a host too busy for the
   * speed slips behind (the run takes longer) rather than lurching ahead
   * minutes at once, with no I/O (acks, messages) between.
   */
  private step(): void {
    const target = this.virtualStart + (performance.now() - this.realStart) * this.speed;
    const reachable = this.now() + this.maxLagMs * this.speed;
    if (target > reachable) this.realStart += (target - reachable) / this.speed;
    this.runUntil(Math.min(this.limit, Math.floor(Math.min(target, reachable))));
  }
}
