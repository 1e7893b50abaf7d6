import type { Clock } from "./clock.js";

/** A clock port that can be let go of, as a reset lets go of the old kernel. */
export interface ClockChannel extends Clock {
  close(): void;
}

/** One client of a VirtualClock (a kernel, or a board's hardware), with its own wake-up. */
class Channel implements ClockChannel {
  wakeAt: number | undefined;
  wake: (() => void) | undefined;
  constructor(
    private readonly base: VirtualClock,
    private readonly onClose: (c: Channel) => void,
  ) {}
  close(): void {
    this.wakeAt = undefined;
    this.wake = undefined;
    this.onClose(this);
  }
  now(): number {
    return this.base.now();
  }
  requestWake(at: number | undefined): void {
    this.wakeAt = at;
    if (at !== undefined) this.base.wakeRequested?.(at);
  }
  attach(wake: () => void): void {
    if (this.wake !== undefined) throw new Error("VirtualClock: this channel already has a client");
    this.wake = wake;
  }
}

/**
 * Simulated time that runs as fast as events allow: `runUntil` jumps from
 * one wake-up to the next. Several clients (the MCU's kernel, the board's
 * hardware ticks) share it through channels; at equal times, channels wake in
 * the order they were opened. Same inputs, same order of events, every run.
 */
export class VirtualClock implements Clock {
  private time: number;
  private readonly channels: Channel[] = [];
  private readonly own: Channel;
  /** Told of every wake-up a client asks for: lets a host that paces this clock react at once. */
  wakeRequested: ((at: number) => void) | undefined;

  constructor(start = 0) {
    this.time = start;
    this.own = this.open();
  }

  now(): number {
    return this.time;
  }

  /** A new client of this time base, e.g. for a kernel that a reset will replace. */
  channel(): ClockChannel {
    return this.open();
  }

  private open(): Channel {
    const c = new Channel(this, (closed) => {
      const i = this.channels.indexOf(closed);
      if (i >= 0) this.channels.splice(i, 1);
    });
    this.channels.push(c);
    return c;
  }

  requestWake(at: number | undefined): void {
    this.own.requestWake(at);
  }

  attach(wake: () => void): void {
    this.own.attach(wake);
  }

  /** Runs everything due up to and including `until`, then sets the time to it. */
  runUntil(until: number): void {
    if (until < this.time) throw new RangeError(`VirtualClock: cannot go back from ${this.time} to ${until}`);
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.wakeAt === undefined || next.wakeAt > until) break;
      this.time = Math.max(this.time, next.wakeAt);
      next.wakeAt = undefined;
      next.wake?.();
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

  private earliest(): Channel | undefined {
    let best: Channel | undefined;
    for (const c of this.channels) {
      if (c.wakeAt !== undefined && (best === undefined || c.wakeAt < (best.wakeAt as number))) best = c;
    }
    return best;
  }
}
