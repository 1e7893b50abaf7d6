import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { startBroker, type EmbeddedBroker } from "../mqtt/broker.js";
import { brokerOption, durationOption, hexOption, intOption, numberOption, outFileOption, UsageError } from "./options.js";
import { fleetDeviceSecret, shardRange } from "../host/fleet-slices.js";
import { isFleetSummary, mergeSummaries, SummaryMergeError, type FleetSummary } from "../host/fleet-summary.js";
import { defaultWorkers, runFleetOnWorkers } from "../host/fleet-workers.js";
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
  shard?: string | undefined;
  workers?: string | undefined;
  summary?: string | undefined;
  observe?: boolean | undefined;
}

/** Above this many devices the in-process broker runs out of file descriptors (two per device, ulimit -n). */
const EMBEDDED_LIMIT = 8_000;

/**
 * `hearth fleet APP --count N [--shard i/n] [--workers K]`: the devices of
 * shard i (all of them by default) over K worker threads (one per core by
 * default) against the embedded broker (with per-device credentials) or an
 * outside one; a live progress line over every worker; a summary (or
 * `--json`, or `--summary FILE` for `hearth fleet merge`) at the end. Node-only.
 */
export async function fleetCommand(appUrl: string, appName: string, values: FleetArgs): Promise<number> {
  if (values.count === undefined) throw new UsageError("hearth fleet needs --count N, how many appliances (hearth fleet --help)");
  const count = intOption("count", values.count, 1, 10_000_000);
  const shard = shardOption(values.shard);
  if (shard.of > 1 && values.broker === undefined) throw new UsageError("--shard splits one fleet over several runs: they need one broker, so give --broker (and the same --fleet-secret to each)");
  if (values.observe === true && values.broker === undefined) throw new UsageError("--observe leaves the devices to a cloud tier (hearth cloud serve) on their broker: give that broker as --broker");
  const range = shardRange(count, shard.index, shard.of);
  const devices = range.to - range.from;
  if (values.broker === undefined && devices > EMBEDDED_LIMIT) {
    throw new UsageError(`${devices} devices are too many for the embedded broker (two file descriptors each); point --broker at Mosquitto or another broker`);
  }
  const workers = Math.min(devices, values.workers === undefined ? defaultWorkers() : intOption("workers", values.workers, 1, 256));
  const seed = intOption("seed", values.seed ?? "1", 0, 2 ** 32 - 1);
  const summaryFile = values.summary === undefined ? undefined : outFileOption("--summary", values.summary);
  const fleetSecret = values["fleet-secret"] === undefined ? (values.broker === undefined ? randomBytes(32) : undefined) : hexOption("fleet-secret", values["fleet-secret"]);
  const cloudLogin =
    values["cloud-user"] === undefined
      ? fleetSecret === undefined || values.broker !== undefined
        ? undefined
        : { username: "hearth-cloud", password: Buffer.from(fleetDeviceSecret(fleetSecret, "cloud")).toString("hex") }
      : { username: values["cloud-user"], password: values["cloud-password"] ?? "" };
  const options = {
    speed: numberOption("speed", values.speed ?? "1", 0.001, 100_000),
    connectPerS: Math.max(1, Math.round(intOption("rate", values.rate ?? "200", 1, 100_000) / workers)),
    ...(values.duration === undefined ? {} : { durationMs: durationOption(values.duration) }),
    ...(values["broker-wait"] === undefined ? {} : { brokerWaitMs: durationOption(values["broker-wait"], "broker-wait") }),
  };
  let broker: EmbeddedBroker | undefined;
  if (values.broker === undefined) {
    broker = await startBroker({
      port: 0,
      auth: {
        device: (id) => (fleetSecret === undefined ? undefined : { secret: fleetDeviceSecret(fleetSecret, id), issuedAt: 0 }),
        backends: new Map(cloudLogin === undefined ? [] : [[cloudLogin.username, cloudLogin.password]]),
      },
    });
  }
  const url = values.broker === undefined ? (broker as EmbeddedBroker).url : brokerOption(values.broker);
  const live = process.stdout.isTTY && !values.json;
  const slice = shard.of > 1 ? `devices ${range.from}..${range.to - 1} of ${count} (shard ${shard.index}/${shard.of})` : `${count}`;
  if (!values.json) console.log(`fleet   ${slice} × ${appName} via ${maskedUrl(url)}${broker ? " (embedded, per-device credentials)" : ""}, seed ${seed}, ${workers} worker${workers === 1 ? "" : "s"}`);
  let lastLine = 0;
  // Ctrl-C or SIGTERM stops the fleet and sums up what it did until then (--summary written too);
  // a second one quits at once.
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  let signals = 0;
  const onSignal = (): void => {
    if (++signals === 1) {
      if (!values.json) console.log("\nstopping: summing up what the fleet did (again to quit at once)");
      return requestStop();
    }
    void (broker?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const summary = await runFleetOnWorkers({
      appUrl,
      count,
      range,
      workers,
      brokerUrl: url,
      seed,
      ...options,
      ...(fleetSecret === undefined ? {} : { fleetSecret }),
      ...(cloudLogin === undefined ? {} : { cloudLogin }),
      ...(values.observe === true ? { observe: true } : {}),
      stop: stopRequested,
      onWait: (line) => {
        if (!values.json) console.log(line);
      },
      onProgress: (p) => {
        if (values.json) return;
        const line = `started ${p.started}/${devices} | online ${p.online} | reports ${p.reports}`;
        if (live) process.stdout.write(`\r\x1b[K${line}`);
        else if (Date.now() - lastLine > 5000) {
          lastLine = Date.now();
          console.log(line);
        }
      },
    });
    if (live) process.stdout.write("\n");
    if (summaryFile !== undefined) writeFileSync(summaryFile, `${JSON.stringify(summary)}\n`);
    if (values.json) console.log(JSON.stringify(summary));
    else printSummary(summary);
    return summary.stopped ? 130 : fleetIsWhole(summary) ? 0 : 1;
  } finally {
    await broker?.close();
  }
}

/**
 * `hearth fleet merge FILE...`: the summaries shards wrote with --summary, as
 * one fleet's (totals, and p50/p99 of every set's round trip, exactly as one
 * process would have said). Exit 1 when the fleet fell short, as a run would.
 */
export function fleetMergeCommand(files: string[], json: boolean): number {
  if (files.length === 0) throw new UsageError("try hearth fleet merge SUMMARY.json...");
  const summaries = files.map((file) => {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not JSON (${(error as Error).message})`}`);
    }
    if (!isFleetSummary(value)) throw new UsageError(`${file}: not a fleet summary (hearth fleet --summary FILE writes one)`);
    return value;
  });
  let merged: FleetSummary;
  try {
    merged = mergeSummaries(summaries);
  } catch (error) {
    if (error instanceof SummaryMergeError) throw new UsageError(error.message);
    throw error;
  }
  if (json) console.log(JSON.stringify(merged));
  else printSummary(merged);
  return fleetIsWhole(merged) ? 0 : 1;
}

function fleetIsWhole(s: FleetSummary): boolean {
  return s.online === s.devices && s.reportsReceived === s.reportsMade;
}

/** `--shard i/n`: slice i (0-based) of n. */
function shardOption(text: string | undefined): { index: number; of: number } {
  if (text === undefined) return { index: 0, of: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (m === null || of < 1 || of > 100_000 || index >= of) throw new UsageError(`--shard must be i/n with 0 <= i < n (the Kubernetes completion index over the job's completions), not ${JSON.stringify(text)}`);
  return { index, of };
}

function printSummary(s: FleetSummary): void {
  const ranges = s.ranges.map((r) => `${r.from}..${r.to - 1}`).join(", ");
  console.log(`devices ${s.devices} (${ranges}) in ${s.slices} slice${s.slices === 1 ? "" : "s"}`);
  console.log(`online  ${s.online}/${s.devices} in ${(s.rampMs / 1000).toFixed(1)} s (${s.connectPerS} connections a second)`);
  console.log(`reports ${s.reportsReceived} received of ${s.reportsMade} made`);
  console.log(s.sets.sent === 0 ? "sets    none made" : `sets    ${s.sets.answered}/${s.sets.sent} answered, round trip p50 ${s.sets.p50Ms} ms, p99 ${s.sets.p99Ms} ms`);
  console.log(`errors  refused ${s.errors.refused}, malformed ${s.errors.malformed}, failed sets ${s.errors.failedSets}`);
  console.log(`time    ${(s.simulatedMs / 1000).toFixed(0)} s simulated in ${(s.wallMs / 1000).toFixed(1)} s${s.stopped ? " (stopped before its end)" : ""}`);
}
