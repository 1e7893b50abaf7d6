import { parentPort, workerData } from "node:worker_threads";
import type { ResetReason } from "../../../../hal/reset-cause.js";
import { VirtualClock } from "../../../../os/virtual-clock.js";
import type { ApplianceApp } from "../../sim/app.js";
import type { ModelSpec } from "../../../thing/model.js";
import { HostEngineBoard } from "../../sim/host-engine-board.js";

/** What the supervising thread starts a board with. */
export interface BoardWorkerData {
  appUrl: string;
  seed: number;
  watchdogMs: number;
  tickMs: number;
  startAt: number;
  until: number;
  resetReason: ResetReason;
}

/** What the board tells its supervisor: it lives (and when the watchdog was last fed), or it finished. */
export type BoardWorkerMessage =
  | { type: "loaded" }
  | { type: "alive"; now: number; lastFedAt: number; deadline: number | undefined; resets: { at: number; reason: ResetReason }[] }
  | { type: "done"; now: number; resets: { at: number; reason: ResetReason }[]; readings: Record<string, number> };

/**
 * Runs one simulated board in this worker thread, in virtual time, and says
 * "alive" after every board tick. A firmware stuck in a synchronous loop stops
 * those messages; the supervisor (worker-board.ts) then plays the hardware
 * watchdog: it ends this thread and boots a new one. Node-only.
 */
async function main(): Promise<void> {
  const data = workerData as BoardWorkerData;
  const { app } = (await import(data.appUrl)) as { app: ApplianceApp<ModelSpec> };
  const loaded: BoardWorkerMessage = { type: "loaded" };
  parentPort?.postMessage(loaded);
  const clock = new VirtualClock(data.startAt);
  const sim = new HostEngineBoard(app, {
    clock,
    seed: data.seed,
    watchdogMs: data.watchdogMs,
    tickMs: data.tickMs,
    resetReason: data.resetReason,
  });
  const port = parentPort;
  if (port === null) throw new Error("board-worker runs in a worker thread");
  const resets = (): { at: number; reason: ResetReason }[] => sim.resets.map(({ at, reason }) => ({ at, reason }));
  while (clock.now() < data.until) {
    clock.runUntil(Math.min(data.until, clock.now() + data.tickMs));
    const message: BoardWorkerMessage = {
      type: "alive",
      now: clock.now(),
      lastFedAt: sim.h1.watchdog.lastFedAt,
      deadline: sim.h1.watchdog.deadline,
      resets: resets(),
    };
    port.postMessage(message);
    // Let the supervisor's messages and timers run between ticks.
    if (clock.now() % (data.tickMs * 100) === 0) await new Promise((r) => setImmediate(r));
  }
  const done: BoardWorkerMessage = { type: "done", now: clock.now(), resets: resets(), readings: sim.plant.readings() };
  port.postMessage(done);
}

void main();
