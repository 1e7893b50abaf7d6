import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BrokerUnreachableError } from "./broker-wait.js";
import type { FleetOptions, FleetProgress } from "./fleet.js";
import { LoginRefusedError } from "../mqtt/transport.js";
import { splitRange, type DeviceRange } from "./fleet-slices.js";
import { mergeSummaries, sliceSummary, type FleetSummary } from "./fleet-summary.js";
import { LatencyHistogram } from "./histogram.js";

/** What a worker needs to run its slice: FleetOptions as data (the app by module URL, the credentials by the fleet's secret). */
export interface FleetWorkerData extends Omit<FleetOptions, "app" | "credentials" | "onProgress" | "onWait" | "range" | "stop"> {
  /** URL of a module that exports `app` (built JavaScript). */
  appUrl: string;
  range: DeviceRange;
  /** Each device's secret derives from this and its id (fleetDeviceSecret). */
  fleetSecret?: Uint8Array;
}

export type FleetWorkerMessage =
  | { type: "progress"; progress: FleetProgress }
  | { type: "wait"; line: string }
  | { type: "done"; summary: FleetSummary }
  | { type: "failed"; message: string; brokerUnreachable: boolean; loginRefused: boolean; stopped: boolean };

/** What the main thread tells a worker: stop now and sum up (FleetOptions.stop). */
export type FleetWorkerCommand = { type: "stop" };

export interface WorkerFleetOptions extends Omit<FleetWorkerData, "range"> {
  range: DeviceRange;
  /** Worker threads, one event loop each. Default one per core the machine has. */
  workers?: number;
  onProgress?: (p: FleetProgress) => void;
  onWait?: (line: string) => void;
  /** As FleetOptions.stop, passed on to every worker. */
  stop?: Promise<void>;
}

/** One worker thread per core unless told otherwise (never more workers than devices). */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * A slice of a fleet over worker threads: the slice split into contiguous
 * ranges, one per worker, each worker a runFleet of its own (its own event
 * loop, its own cloud client); the progress is the sum of the workers', and
 * the summary their merge (a worker stopped before its broker answered adds
 * its devices as never online: a stop always sums up). A login the broker
 * refuses in any worker is a LoginRefusedError here. Node-only.
 */
export async function runFleetOnWorkers(o: WorkerFleetOptions): Promise<FleetSummary> {
  const { workers: wanted, onProgress, onWait, range, stop, ...data } = o;
  const ranges = splitRange(range, Math.max(1, wanted ?? defaultWorkers()));
  const progress: FleetProgress[] = ranges.map(() => ({ started: 0, online: 0, reports: 0 }));
  const total = (): FleetProgress => progress.reduce((t, p) => ({ started: t.started + p.started, online: t.online + p.online, reports: t.reports + p.reports }), { started: 0, online: 0, reports: 0 });
  const threads: Worker[] = [];
  try {
    const summaries = await Promise.all(
      ranges.map(
        (r, k) =>
          new Promise<FleetSummary>((resolve, reject) => {
            const worker = new Worker(new URL("./fleet-worker.js", import.meta.url), { workerData: { ...data, range: r } satisfies FleetWorkerData });
            threads.push(worker);
            void stop?.then(() => worker.postMessage({ type: "stop" } satisfies FleetWorkerCommand));
            worker.on("message", (m: FleetWorkerMessage) => {
              if (m.type === "progress") {
                progress[k] = m.progress;
                onProgress?.(total());
              } else if (m.type === "wait") {
                if (k === 0) onWait?.(m.line);
              } else if (m.type === "done") resolve(m.summary);
              else if (m.stopped) {
                // Stopped before its broker answered: its devices never started, and the slice says so.
                resolve(sliceSummary({ range: r, online: 0, reportsMade: 0, reportsReceived: 0, sets: { sent: 0, answered: 0, latency: new LatencyHistogram() }, errors: { refused: 0, malformed: 0, failedSets: 0 }, rampMs: 0, wallMs: 0, simulatedMs: 0, stopped: true }));
              } else reject(m.brokerUnreachable ? new BrokerUnreachableError(m.message) : m.loginRefused ? new LoginRefusedError(m.message) : new Error(`fleet worker ${k}: ${m.message}`));
            });
            worker.once("error", reject);
            worker.once("exit", (code) => reject(new Error(`fleet worker ${k} exited (${code}) before its summary`)));
          }),
      ),
    );
    return mergeSummaries(summaries);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
