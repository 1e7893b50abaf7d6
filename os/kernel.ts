import type { Clock } from "./clock.js";
import { Random } from "./random.js";
import { TimerHeap, type HeapEntry } from "./timer-heap.js";
import { frozen } from "../hal/frozen.js";

/** Higher runs first. Events of equal priority run in the order posted. */
export const Priority = frozen({ Low: 0, Normal: 1, High: 2 } as const);
export type Priority = (typeof Priority)[keyof typeof Priority];

/**
 * What a periodic timer does when the loop has fallen more than one period
 * behind: "skip" jumps to the next due time on the original grid; "catch-up"
 * runs every missed tick, one after another.
 */
export type LatePolicy = "skip" | "catch-up";

export interface Timer {
  cancel(): void;
  readonly active: boolean;
}

export interface Fault {
  readonly task: string;
  /** A handler threw, its promise rejected, or its synchronous part overran the task's budget. */
  readonly kind: "exception" | "rejection" | "budget";
  readonly error: unknown;
  readonly at: number;
}

type Handler = () => unknown;

/** A FIFO of (task, handler) pairs in a ring that doubles when full: no allocation in steady state. */
class Fifo {
  // Small to start (a fleet holds thousands of kernels); a burst doubles it once and it stays grown.
  private tasks: string[] = new Array<string>(8).fill("");
  private fns: (Handler | undefined)[] = new Array<Handler | undefined>(8).fill(undefined);
  private mask = 7;
  private head = 0;
  /** Pairs waiting. */
  length = 0;
  /** The task of the handler `take` returned last. */
  task = "";
  push(task: string, fn: Handler): void {
    if (this.length > this.mask) this.grow();
    const at = (this.head + this.length) & this.mask;
    this.tasks[at] = task;
    this.fns[at] = fn;
    this.length++;
  }
  take(): Handler {
    const at = this.head;
    const fn = this.fns[at] as Handler;
    this.task = this.tasks[at] as string;
    this.fns[at] = undefined; // let the closure go
    this.head = (at + 1) & this.mask;
    this.length--;
    return fn;
  }
  private grow(): void {
    const size = (this.mask + 1) * 2;
    const tasks = new Array<string>(size).fill("");
    const fns = new Array<Handler | undefined>(size).fill(undefined);
    for (let i = 0; i < this.length; i++) {
      tasks[i] = this.tasks[(this.head + i) & this.mask] as string;
      fns[i] = this.fns[(this.head + i) & this.mask];
    }
    this.tasks = tasks;
    this.fns = fns;
    this.mask = size - 1;
    this.head = 0;
  }
}

class TimerEntry implements HeapEntry, Timer {
  index = -1;
  fired = 0;
  constructor(
    readonly kernel: Kernel,
    public due: number,
    public order: number,
    readonly start: number,
    readonly period: number,
    readonly policy: LatePolicy,
    readonly task: string,
    readonly fn: Handler,
  ) {}
  get active(): boolean {
    return this.index >= 0;
  }
  cancel(): void {
    this.kernel.cancelTimer(this);
  }
}

export interface KernelOptions {
  clock: Clock;
  /** Seeds the one generator all randomness comes from. */
  seed?: number;
  /** Called for every contained fault, after it was counted. */
  onFault?: (fault: Fault) => void;
  /**
   * A stopwatch of CPU time in ms (a cycle counter on a chip, performance.now
   * on a desktop). With one, the synchronous part of every handler is held to
   * its task's budget; without one, budgets are not checked.
   */
  cpuTime?: () => number;
  /** The run budget of a task that has none of its own. Default 5 ms. */
  budgetMs?: number;
}

/**
 * The appliance OS kernel: a run-to-completion event loop with priorities and
 * timers over a clock port. Handlers never run inside one another; a handler
 * that throws (or whose promise rejects) is a fault, contained and counted.
 */
export class Kernel {
  readonly random: Random;
  private readonly clock: Clock;
  private readonly queues = [new Fifo(), new Fifo(), new Fifo()] as const;
  private readonly heap = new TimerHeap<TimerEntry>();
  private order = 0;
  private running = false;
  /** A wake-up for queued work is already asked for: later posts need not ask again. */
  private wakePending = false;
  private readonly faultListeners = new Set<(fault: Fault) => void>();
  private readonly cpuTime: (() => number) | undefined;
  private readonly budgets = new Map<string, number>();
  private readonly defaultBudget: number;
  private tracer: ((at: number, task: string) => void) | undefined;
  /** Whether dispatches are traced or timed: the plain path skips both. */
  private instrumented: boolean;
  private stopped = false;
  faultCount = 0;
  dispatched = 0;

  constructor(options: KernelOptions) {
    this.clock = options.clock;
    this.random = new Random(options.seed ?? 1);
    if (options.onFault !== undefined) this.faultListeners.add(options.onFault);
    this.cpuTime = options.cpuTime;
    this.defaultBudget = options.budgetMs ?? 5;
    this.instrumented = this.cpuTime !== undefined;
    this.clock.attach(() => this.run());
  }

  /** Hears every fault (after it was counted). */
  onFault(listener: (fault: Fault) => void): () => void {
    this.faultListeners.add(listener);
    return () => this.faultListeners.delete(listener);
  }

  /** Sets how long the synchronous part of `task`'s handlers may run. */
  setBudget(task: string, ms: number): void {
    this.budgets.set(task, checkDelay(ms));
  }

  /** Records every dispatch (time, task): the trace that determinism tests compare. */
  trace(tracer: ((at: number, task: string) => void) | undefined): void {
    this.tracer = tracer;
    this.instrumented = tracer !== undefined || this.cpuTime !== undefined;
  }

  /** A fault found outside a handler (a bus listener, a driver): counted and reported like any other. */
  reportFault(task: string, error: unknown, kind: Fault["kind"] = "exception"): void {
    this.fault(task, error, kind);
  }

  /** Drops every queued event and timer and runs nothing more: the MCU was reset. */
  halt(): void {
    this.stopped = true;
    for (const q of this.queues) while (q.length > 0) q.take();
    while (this.heap.pop() !== undefined);
    this.clock.requestWake(undefined);
  }

  now(): number {
    return this.clock.now();
  }

  /** Queues `fn` to run after the current handler, before later-posted work of lower priority. */
  post(fn: Handler, priority: Priority = Priority.Normal, task = "event"): void {
    this.queues[priority].push(task, fn);
    if (!this.running && !this.wakePending) {
      this.wakePending = true;
      this.clock.requestWake(this.clock.now());
    }
  }

  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: Handler, task = "timer"): Timer {
    return this.arm(this.now() + checkDelay(ms), 0, "skip", task, fn);
  }

  /** Resolves `ms` from now, on the kernel's clock: for async handlers that wait. */
  sleep(ms: number, task = "sleep"): Promise<void> {
    return new Promise((resolve) => this.after(ms, () => resolve(), task));
  }

  /** Runs `fn` every `ms`; expiry n is due at exactly start + n·ms, with no drift. */
  every(ms: number, fn: Handler, options: { task?: string; late?: LatePolicy } = {}): Timer {
    const period = checkDelay(ms);
    if (period === 0) throw new RangeError("Kernel.every: the period must be more than 0 ms");
    return this.arm(this.now() + period, period, options.late ?? "skip", options.task ?? "timer", fn);
  }

  /** @internal */
  cancelTimer(timer: TimerEntry): void {
    this.heap.remove(timer);
    if (!this.running) this.requestWake();
  }

  get pendingTimers(): number {
    return this.heap.size;
  }

  /** Dispatches everything ready now; the clock calls this. */
  run(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.wakePending = false;
    try {
      for (;;) {
        const q = this.queues;
        const queue = q[2].length > 0 ? q[2] : q[1].length > 0 ? q[1] : q[0].length > 0 ? q[0] : undefined;
        if (queue !== undefined) {
          // Drain this priority while nothing more urgent arrives: one selection per run of events.
          const higher = queue === q[2] ? undefined : queue === q[1] ? q[2] : q[1];
          do {
            const fn = queue.take();
            this.guard(queue.task, fn);
          } while (queue.length > 0 && (higher === undefined || higher.length === 0) && (queue !== q[0] || q[2].length === 0));
          continue;
        }
        const timer = this.heap.peek();
        if (timer === undefined || timer.due > this.clock.now()) break;
        this.fire(timer);
      }
    } finally {
      this.running = false;
      this.requestWake();
    }
  }

  private fire(timer: TimerEntry): void {
    this.heap.remove(timer);
    if (timer.period > 0) {
      timer.fired++;
      const now = this.clock.now();
      let next = timer.start + (timer.fired + 1) * timer.period;
      if (timer.policy === "skip" && next <= now) {
        timer.fired = Math.floor((now - timer.start) / timer.period);
        next = timer.start + (timer.fired + 1) * timer.period;
      }
      timer.due = next;
      timer.order = this.order++;
      this.heap.push(timer);
    }
    this.guard(timer.task, timer.fn);
  }

  private arm(due: number, period: number, policy: LatePolicy, task: string, fn: Handler): Timer {
    const timer = new TimerEntry(this, due, this.order++, due - period, period, policy, task, fn);
    this.heap.push(timer);
    // Only a new earliest timer moves the wake-up (queued work already has one).
    if (!this.running && !this.wakePending && timer.index === 0) this.clock.requestWake(due);
    return timer;
  }

  private requestWake(): void {
    if (this.stopped) return;
    const ready = this.queues[0].length + this.queues[1].length + this.queues[2].length > 0;
    this.clock.requestWake(ready ? this.clock.now() : this.heap.peek()?.due);
  }

  /** Dispatches one handler: counted, traced, timed against its budget, faults contained. */
  private guard(task: string, fn: Handler): void {
    this.dispatched++;
    if (this.instrumented) this.guardInstrumented(task, fn);
    else this.call(task, fn);
  }

  private guardInstrumented(task: string, fn: Handler): void {
    this.tracer?.(this.clock.now(), task);
    const started = this.cpuTime?.();
    this.call(task, fn);
    if (started !== undefined) {
      const took = (this.cpuTime as () => number)() - started;
      const budget = this.budgets.get(task) ?? this.defaultBudget;
      if (took > budget) this.fault(task, new Error(`${task} ran ${took.toFixed(1)} ms, over its budget of ${budget} ms`), "budget");
    }
  }

  private call(task: string, fn: Handler): void {
    try {
      const result = fn();
      if (result !== undefined && result instanceof Promise) result.catch((error: unknown) => this.fault(task, error, "rejection"));
    } catch (error) {
      this.fault(task, error, "exception");
    }
  }

  private fault(task: string, error: unknown, kind: Fault["kind"]): void {
    if (this.stopped) return;
    this.faultCount++;
    const fault = { task, kind, error, at: this.clock.now() };
    for (const listener of this.faultListeners) listener(fault);
  }
}

function checkDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Kernel: delay must be a finite number of ms >= 0, got ${ms}`);
  return ms;
}
