import { setHostTimeout } from "./host-timers.js";
import type { CloudStore, Outcome, Uplink } from "./store/port.js";

export interface IntakeOptions {
  /** Batches in the store at once. Default 2: one commits while the next is written. */
  inFlight?: number;
  /** The most uplinks in one batch. Default 2000. */
  batchMax?: number;
  /** The most uplinks waiting; beyond it an uplink is shed unacknowledged (its device sends it again). Default 100,000. */
  queueMax?: number;
}

/** One uplink on its way into the store, and what to do once its outcome is committed. */
export interface Entry {
  uplink: Uplink;
  settle(outcome: Outcome): void;
}

/**
 * Group commit: uplinks that arrive while a batch is in the store wait and go
 * in the next batch, so the store's round trips are shared by everything that
 * arrived meanwhile. A batch the store fails (it restarted, it is away) is
 * tried again, after a pause that doubles to 2 s, until it commits: nothing
 * in it is acknowledged before that.
 */
export class Intake {
  private queue: Entry[] = [];
  private running = 0;
  private scheduled = false;
  private stopped = false;
  /** Uplinks shed because the queue was full; batches the store failed (each tried again). */
  readonly stats = { shed: 0, failures: 0, batches: 0 };
  /** Why the store failed the last batch it failed. */
  lastFailure: unknown;

  constructor(
    private readonly store: CloudStore,
    private readonly options: IntakeOptions = {},
  ) {}

  /** Waiting or in the store now. */
  get pending(): number {
    return this.queue.length;
  }

  add(entry: Entry): void {
    if (this.queue.length >= (this.options.queueMax ?? 100_000)) {
      this.stats.shed++;
      return;
    }
    this.queue.push(entry);
    if (this.scheduled) return;
    this.scheduled = true;
    // After this turn's other messages have joined the queue.
    void Promise.resolve().then(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private pump(): void {
    while (!this.stopped && this.running < (this.options.inFlight ?? 2) && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchMax ?? 2000);
      this.running++;
      void this.commit(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async commit(batch: Entry[]): Promise<void> {
    for (let pause = 50; !this.stopped; pause = Math.min(2000, pause * 2)) {
      let outcomes: Outcome[];
      try {
        outcomes = await this.store.accept(batch.map((e) => e.uplink));
      } catch (error) {
        this.stats.failures++;
        this.lastFailure = error;
        await new Promise((resolve) => setHostTimeout(() => resolve(undefined), pause));
        continue;
      }
      this.stats.batches++;
      batch.forEach((e, i) => e.settle(outcomes[i] as Outcome));
      return;
    }
  }
}
