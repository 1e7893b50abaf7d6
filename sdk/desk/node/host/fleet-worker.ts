import { parentPort, workerData } from "node:worker_threads";
import type { ApplianceApp } from "../../sim/app.js";
import type { ModelSpec } from "../../../thing/model.js";
import { BrokerUnreachableError } from "./broker-wait.js";
import { LoginRefusedError } from "../mqtt/transport.js";
import { FleetStoppedError, runFleet } from "./fleet.js";
import { fleetDeviceSecret } from "./fleet-slices.js";
import type { FleetWorkerCommand, FleetWorkerData, FleetWorkerMessage } from "./fleet-workers.js";

/** A worker thread's slice of a fleet (fleet-workers.ts starts it): runs it, says how it goes, posts its summary. */
const { appUrl, fleetSecret, ...options } = workerData as FleetWorkerData;
const post = (m: FleetWorkerMessage): void => parentPort?.postMessage(m);
const stop = new Promise<void>((resolve) => parentPort?.on("message", (c: FleetWorkerCommand) => c.type === "stop" && resolve()));
try {
  const { app } = (await import(appUrl)) as { app: ApplianceApp<ModelSpec> };
  const summary = await runFleet({
    ...options,
    app,
    stop,
    ...(fleetSecret === undefined ? {} : { credentials: { secretFor: (id: string) => fleetDeviceSecret(fleetSecret, id), issuedAt: 0 } }),
    onProgress: (progress) => post({ type: "progress", progress }),
    onWait: (line) => post({ type: "wait", line }),
  });
  post({ type: "done", summary });
  parentPort?.removeAllListeners("message");
} catch (error) {
  post({ type: "failed", message: error instanceof Error ? error.message : String(error), brokerUnreachable: error instanceof BrokerUnreachableError, loginRefused: error instanceof LoginRefusedError, stopped: error instanceof FleetStoppedError });
}
