import type { Clock } from "./clock.js";
import { TimerHeap, type HeapEntry } from "./timer-heap.js";

/** A clock port that can be let go of, as a reset lets go of the old kernel. */
export interface ClockChannel extends Clock {
  close(): void;
}

/** One client of a VirtualClock (a kernel, or a board's hardware), with its own wake-up. */
class Channel implements ClockChannel, HeapEntry {
  wake: (() => void) | undefined;
  /** When it asked to be woken (valid while in the clock's heap). */
  due = 0;
  index = -1;
  constructor(
    private readonly base: VirtualClock,
    private readonly heap: TimerHeap<Channel>,
    /** Channels due at the same time wake in the order they were opened. */
    readonly order: number,
  ) {}
  get wakeAt(): number | undefined {
    return this.index >= 0 ? this.due : undefined;
  }
  close(): void {
    this.requestWake(undefined);
    this.wake = undefined;
  }
  now(): number {
    return this.base.now();
  }
  requestWake(at: number | undefined): void {
    if (this.index >= 0) this.heap.remove(this);
    if (at === undefined) return;
    this.due = at;
    this.heap.push(this);
    this.base.wakeRequested?.(at);
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
  /** Channels waiting to be woken, earliest first: a fleet's thousands of clients cost log n a wake-up. */
  private readonly waiting = new TimerHeap<Channel>();
  private opened = 0;
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
    return new Channel(this, this.waiting, this.opened++);
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
      const next = this.waiting.peek();
      if (next === undefined || next.due > until) break;
      this.time = Math.max(this.time, next.due);
      this.waiting.remove(next);
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
}
