import type { HardwareWatchdog } from "../hal/io.js";
import type { Kernel, Timer } from "./kernel.js";

export interface WatchedTask {
  /** "I am alive and making progress." Call at least once per period. */
  checkIn(): void;
  unregister(): void;
}

export interface TaskWatchdogOptions {
  /** The hardware watchdog's timeout. Default 4000 ms. */
  timeoutMs?: number;
  /** How often the kernel considers feeding it. Default timeout / 4. */
  feedEveryMs?: number;
}

interface Entry {
  periodMs: number;
  lastCheckIn: number;
  overran: boolean;
}

/**
 * The task watchdog: tasks register and check in; the kernel feeds the
 * hardware watchdog only while every registered task has checked in within
 * its period and none has overrun its run budget. A stuck task therefore
 * lets the hardware watchdog reset the chip.
 */
export class TaskWatchdog {
  private readonly tasks = new Map<string, Entry>();
  private readonly feeder: Timer;
  /** Why the last feed was withheld, for the log and for tests. */
  starving: string | undefined;

  constructor(
    private readonly kernel: Kernel,
    hardware: HardwareWatchdog,
    options: TaskWatchdogOptions = {},
  ) {
    const timeout = options.timeoutMs ?? 4000;
    hardware.start(timeout);
    kernel.onFault((fault) => {
      if (fault.kind !== "budget") return;
      const entry = this.tasks.get(fault.task);
      if (entry !== undefined) entry.overran = true;
    });
    this.feeder = kernel.every(
      options.feedEveryMs ?? Math.max(1, Math.floor(timeout / 4)),
      () => {
        this.starving = this.whyNotFeed();
        if (this.starving === undefined) hardware.feed();
      },
      { task: "watchdog" },
    );
  }

  register(task: string, periodMs: number): WatchedTask {
    if (this.tasks.has(task)) throw new Error(`TaskWatchdog: task ${task} is already registered`);
    const entry: Entry = { periodMs, lastCheckIn: this.kernel.now(), overran: false };
    this.tasks.set(task, entry);
    return {
      checkIn: () => {
        entry.lastCheckIn = this.kernel.now();
      },
      unregister: () => {
        this.tasks.delete(task);
      },
    };
  }

  stop(): void {
    this.feeder.cancel();
  }

  private whyNotFeed(): string | undefined {
    const now = this.kernel.now();
    for (const [task, entry] of this.tasks) {
      if (entry.overran) return `${task} overran its run budget`;
      if (now - entry.lastCheckIn > entry.periodMs) return `${task} has not checked in for ${now - entry.lastCheckIn} ms`;
    }
    return undefined;
  }
}
