import { Worker } from "node:worker_threads";
import type { ResetReason } from "../../../../hal/reset-cause.js";
import type { BoardWorkerData, BoardWorkerMessage } from "./worker-entry.js";

export interface BoardInWorkerOptions {
  /** URL of a module that exports `app` (built JavaScript). */
  appUrl: string;
  seed?: number;
  watchdogMs?: number;
  tickMs?: number;
  /** Simulated time to run, ms. */
  durationMs: number;
  /** Real time without a sign of life after which the MCU counts as stuck. Default 1000 ms. */
  stallMs?: number;
}

export interface BoardInWorkerResult {
  resets: { at: number; reason: ResetReason; lastFedAt?: number }[];
  endedAt: number;
  boots: number;
  readings: Record<string, number>;
}

/**
 * A simulated board whose MCU can hang for real: the board runs in a worker
 * thread, and this thread is its hardware watchdog. A firmware stuck in a
 * synchronous loop cannot be stopped from inside its own thread, so when the
 * worker stops saying it is alive, this ends the thread and boots a new one at
 * the moment the watchdog would have bitten (last feed + timeout, in virtual
 * time), with reset reason "watchdog". Node-only.
 *
 * The plant restarts from its initial state after such a reset: its state
 * lived in the thread that hung.
 */
export async function runBoardInWorker(o: BoardInWorkerOptions): Promise<BoardInWorkerResult> {
  const watchdogMs = o.watchdogMs ?? 4000;
  const tickMs = o.tickMs ?? 1000;
  const resets: BoardInWorkerResult["resets"] = [];
  let startAt = 0;
  let reason: ResetReason = "powerOn";
  let boots = 0;
  for (;;) {
    boots++;
    const outcome = await runOnce({ appUrl: o.appUrl, seed: o.seed ?? 1, watchdogMs, tickMs, startAt, until: o.durationMs, resetReason: reason }, o.stallMs ?? 1000);
    if (outcome.type === "done") {
      resets.push(...outcome.resets);
      return { resets, endedAt: outcome.now, boots, readings: outcome.readings };
    }
    // Stuck: the watchdog bites at last feed + timeout (it counts in hardware while the CPU spins).
    resets.push(...outcome.last.resets);
    const at = outcome.last.deadline ?? outcome.last.lastFedAt + watchdogMs;
    resets.push({ at, reason: "watchdog", lastFedAt: outcome.last.lastFedAt });
    startAt = at;
    reason = "watchdog";
    if (startAt >= o.durationMs) return { resets, endedAt: startAt, boots, readings: {} };
  }
}

/** Real time a worker may take to load the app before its MCU's silence counts. */
const LOAD_GRACE_MS = 30_000;

type Outcome = Extract<BoardWorkerMessage, { type: "done" }> | { type: "stuck"; last: Extract<BoardWorkerMessage, { type: "alive" }> };

function runOnce(data: BoardWorkerData, stallMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-entry.js", import.meta.url), { workerData: data });
    let last: Extract<BoardWorkerMessage, { type: "alive" }> = {
      type: "alive",
      now: data.startAt,
      lastFedAt: data.startAt,
      deadline: undefined,
      resets: [],
    };
    let heard = Date.now();
    // Loading the app's modules is the host's time, not the MCU's: a busy machine may take seconds.
    let limit = Math.max(stallMs, LOAD_GRACE_MS);
    const check = setInterval(() => {
      if (Date.now() - heard < limit) return;
      clearInterval(check);
      void worker.terminate().then(() => resolve({ type: "stuck", last }));
    }, Math.max(10, stallMs / 10));
    worker.on("message", (m: BoardWorkerMessage) => {
      heard = Date.now();
      if (m.type === "loaded") {
        limit = stallMs;
        return;
      }
      if (m.type === "alive") {
        last = m;
        return;
      }
      clearInterval(check);
      void worker.terminate().then(() => resolve(m));
    });
    worker.on("error", (error) => {
      clearInterval(check);
      reject(error);
    });
  });
}
