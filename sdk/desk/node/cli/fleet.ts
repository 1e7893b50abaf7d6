import { randomBytes } from "node:crypto";
import type { ApplianceApp } from "../../sim/app.js";
import type { ModelSpec } from "../../../thing/model.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { startBroker, type EmbeddedBroker } from "../mqtt/broker.js";
import { brokerOption, durationOption, hexOption, intOption, numberOption, UsageError } from "./options.js";
import { runFleet, type FleetSummary } from "../host/fleet.js";
import { maskedUrl } from "../host/broker-wait.js";

export interface FleetArgs {
  count?: string | undefined;
  broker?: string | undefined;
  speed?: string | undefined;
  seed?: string | undefined;
  rate?: string | undefined;
  duration?: string | undefined;
  json?: boolean | undefined;
  "fleet-secret"?: string | undefined;
  "cloud-user"?: string | undefined;
  "cloud-password"?: string | undefined;
  "broker-wait"?: string | undefined;
}

/** Above this many devices the in-process broker runs out of file descriptors (two per device, ulimit -n). */
const EMBEDDED_LIMIT = 8_000;

/**
 * `hearth fleet APP --count N`: N appliances in this process against the
 * embedded broker (with per-device credentials) or an outside one; a live
 * progress line; a summary (or `--json`) at the end. Node-only.
 */
export async function fleetCommand(app: ApplianceApp<ModelSpec>, values: FleetArgs): Promise<number> {
  if (values.count === undefined) throw new UsageError("hearth fleet needs --count N, how many appliances (hearth fleet --help)");
  const count = intOption("count", values.count, 1, 100_000);
  if (values.broker === undefined && count > EMBEDDED_LIMIT) {
    throw new UsageError(`${count} devices are too many for the embedded broker (two file descriptors each); point --broker at Mosquitto or another broker`);
  }
  const seed = intOption("seed", values.seed ?? "1", 0, 2 ** 32 - 1);
  // Each device's secret comes from the fleet secret and its id (a provisioning database, in one line).
  const fleetSecret = values["fleet-secret"] === undefined ? (values.broker === undefined ? randomBytes(32) : undefined) : hexOption("fleet-secret", values["fleet-secret"]);
  const secretFor = (id: string): Uint8Array => sha256(new Uint8Array([...(fleetSecret as Uint8Array), ...new TextEncoder().encode(id)]));
  const cloudLogin = values["cloud-user"] === undefined ? (values.broker === undefined ? { username: "hearth-cloud", password: Buffer.from(secretFor("cloud")).toString("hex") } : undefined) : { username: values["cloud-user"], password: values["cloud-password"] ?? "" };
  let broker: EmbeddedBroker | undefined;
  if (values.broker === undefined) {
    broker = await startBroker({
      port: 0,
      auth: {
        device: (id) => (fleetSecret === undefined ? undefined : { secret: secretFor(id), issuedAt: 0 }),
        backends: new Map(cloudLogin === undefined ? [] : [[cloudLogin.username, cloudLogin.password]]),
      },
    });
  }
  const url = values.broker === undefined ? (broker as EmbeddedBroker).url : brokerOption(values.broker);
  const live = process.stdout.isTTY && !values.json;
  if (!values.json) console.log(`fleet   ${count} × ${app.name} via ${maskedUrl(url)}${broker ? " (embedded, per-device credentials)" : ""}, seed ${seed}`);
  let lastLine = 0;
  // Ctrl-C or SIGTERM stops the fleet where it is, with its summary (a second one at once).
  let interrupt!: () => void;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  const stop = (): void => {
    interrupt();
    process.once("SIGINT", () => process.exit(130));
    process.once("SIGTERM", () => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const summary = await runFleet({
      app,
      count,
      brokerUrl: url,
      speed: numberOption("speed", values.speed ?? "1", 0.001, 100_000),
      seed,
      interrupted,
      connectPerS: intOption("rate", values.rate ?? "200", 1, 100_000),
      ...(values.duration === undefined ? {} : { durationMs: durationOption(values.duration) }),
      ...(fleetSecret === undefined ? {} : { credentials: { secretFor, issuedAt: 0 } }),
      ...(cloudLogin === undefined ? {} : { cloudLogin }),
      ...(values["broker-wait"] === undefined ? {} : { brokerWaitMs: durationOption(values["broker-wait"], "broker-wait") }),
      onWait: (line) => {
        if (!values.json) console.log(line);
      },
      onProgress: (p) => {
        if (values.json) return;
        const line = `started ${p.started}/${count} | online ${p.online} | reports ${p.reports}`;
        if (live) process.stdout.write(`\r\x1b[K${line}`);
        else if (Date.now() - lastLine > 5000) {
          lastLine = Date.now();
          console.log(line);
        }
      },
    });
    if (live) process.stdout.write("\n");
    if (values.json) console.log(JSON.stringify(summary));
    else printSummary(summary);
    if (summary.stoppedBy === "interrupt") return 130;
    return summary.online === count && summary.reportsReceived === summary.reportsMade ? 0 : 1;
  } finally {
    await broker?.close();
  }
}

function printSummary(s: FleetSummary): void {
  console.log(`online  ${s.online}/${s.devices} (${s.connectPerS} connections a second)`);
  console.log(`reports ${s.reportsReceived} received of ${s.reportsMade} made`);
  console.log(`sets    ${s.sets.answered}/${s.sets.sent} answered, round trip p50 ${s.sets.p50Ms} ms, p99 ${s.sets.p99Ms} ms`);
  console.log(`errors  refused ${s.errors.refused}, malformed ${s.errors.malformed}, failed sets ${s.errors.failedSets}`);
  console.log(`time    ${(s.simulatedMs / 1000).toFixed(0)} s simulated in ${(s.wallMs / 1000).toFixed(1)} s${s.stoppedBy === "interrupt" ? " (stopped by Ctrl-C)" : ""}`);
}
