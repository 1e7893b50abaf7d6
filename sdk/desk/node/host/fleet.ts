import { randomBytes } from "node:crypto";
import { H1 } from "../../../../hal/h1.js";
import { SimFlash } from "../../../../hal/sim/flash.js";
import { PacedClock } from "../../../../os/node/host-clock.js";
import { Random } from "../../../../os/random.js";
import type { ApplianceApp } from "../../sim/app.js";
import { Cloud } from "../../../cloud/cloud.js";
import { devicePassword } from "../../../protocol/credentials.js";
import { encodeMessage } from "../../../protocol/envelope.js";
import { topics } from "../../../protocol/transport.js";
import { writable, type ModelSpec, type PropertySpec } from "../../../thing/model.js";
import { HostEngineBoard } from "../../sim/host-engine-board.js";
import { maskedUrl, untilBrokerAnswers } from "./broker-wait.js";
import { LoginRefusedError, MqttTransport } from "../mqtt/transport.js";

export interface FleetOptions {
  app: ApplianceApp<ModelSpec>;
  count: number;
  brokerUrl: string;
  /** Simulated time runs this many times faster than real time. */
  speed: number;
  seed: number;
  /** Devices that start connecting per real second. Default 200. */
  connectPerS?: number;
  /** Run this long in simulated time once every device is up. Default 60 s. */
  durationMs?: number;
  /** A full report this often (simulated), besides deltas. Default 10 s. */
  reportEveryMs?: number;
  /** Device ids are PREFIX-0 .. PREFIX-(count-1). Default "fleet". */
  idPrefix?: string;
  /** Each device logs in with an HMAC credential under its own secret, derived from this. */
  credentials?: { secretFor(deviceId: string): Uint8Array; issuedAt: number };
  /** The cloud side's login on the broker. */
  cloudLogin?: { username: string; password: string };
  /** How long to wait for every device to connect, and for the last reports to drain, real ms. Default 120 s. */
  patienceMs?: number;
  onProgress?: (p: FleetProgress) => void;
  /** Hears that the broker has not answered yet (after a second; it gives up after 30 s). */
  onWait?: (line: string) => void;
  /** How long to wait for the broker to answer before giving up (BrokerUnreachableError). Default 30 s. */
  brokerWaitMs?: number;
  /** Resolves when the user asks to stop (Ctrl-C): the fleet stops where it is and sums up. */
  interrupted?: Promise<void>;
}

export interface FleetProgress {
  started: number;
  online: number;
  reports: number;
}

export interface FleetSummary {
  devices: number;
  /** Devices that came online (the cloud saw their hello). */
  online: number;
  /** Reports the devices made, and reports the cloud received (each once). */
  reportsMade: number;
  reportsReceived: number;
  /** Sets from the devices' users: how many, how many answered, and their round trips (real ms). */
  sets: { sent: number; answered: number; p50Ms: number; p99Ms: number };
  errors: { refused: number; malformed: number; failedSets: number };
  connectPerS: number;
  wallMs: number;
  simulatedMs: number;
  stoppedBy: "duration" | "interrupt";
}

/**
 * Many appliances in one process, each a full simulated board with its own
 * MQTT connection (and credentials, when given), in rooms that differ by seed,
 * with a user who changes the setting once. Devices start connecting at a
 * steady rate; one cloud client watches them all. Node-only.
 */
export async function runFleet(o: FleetOptions): Promise<FleetSummary> {
  const wallStart = performance.now();
  const prefix = o.idPrefix ?? "fleet";
  const random = new Random(o.seed);
  const clock = new PacedClock(o.speed);
  // Ctrl-C, or a login the broker refuses (it would never get better), ends every wait below.
  let ended: "interrupt" | LoginRefusedError | undefined;
  let wake!: () => void;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const end = (why: "interrupt" | LoginRefusedError): void => {
    ended ??= why;
    wake();
  };
  const why = (): typeof ended => ended; // read where the flow analysis would take it for still undefined
  void o.interrupted?.then(() => end("interrupt"));
  const shownUrl = maskedUrl(o.brokerUrl);
  const cloud = new Cloud(
    new MqttTransport({
      url: o.brokerUrl,
      clientId: `${prefix}-cloud-${randomBytes(6).toString("hex")}`,
      ...(o.cloudLogin ?? {}),
      onRefused: (reason) => end(new LoginRefusedError(`the broker at ${shownUrl} refused the cloud's login (${o.cloudLogin === undefined ? "no user name: give --cloud-user and --cloud-password" : `user ${JSON.stringify(o.cloudLogin.username)}`}): ${reason}`)),
    }),
    [o.app.model],
    () => Date.now(),
  );
  const seen = new Set<string>();
  let reportsReceived = 0;
  cloud.onUplink((id, m) => {
    if (m.type === "hello") seen.add(id);
    else if (m.type === "report") reportsReceived++;
  });
  try {
    const up = await untilBrokerAnswers(Promise.race([cloud.start(), stopped.then(() => Promise.reject(ended))]), { url: o.brokerUrl, ...(o.onWait === undefined ? {} : { print: o.onWait }), ...(o.brokerWaitMs === undefined ? {} : { timeoutMs: o.brokerWaitMs }), ...(o.interrupted === undefined ? {} : { interrupted: o.interrupted }) });
    if (up === "interrupted") ended = "interrupt";
  } catch (error) {
    await cloud.stop();
    throw error === "interrupt" ? new Error("interrupted") : error;
  }
  if (ended !== undefined) {
    await cloud.stop();
    if (ended instanceof LoginRefusedError) throw ended;
  }
  clock.start();

  const sims: HostEngineBoard<ModelSpec>[] = [];
  const setTimes: number[] = [];
  let setsSent = 0;
  let failedSets = 0;
  const progress = (): FleetProgress => ({ started: sims.length, online: seen.size, reports: reportsReceived });
  const ticker = setInterval(() => o.onProgress?.(progress()), 250);
  const connectStart = performance.now();
  const perTick = Math.max(1, Math.round((o.connectPerS ?? 200) / 20));
  await new Promise<void>((resolve) => {
    const starter = setInterval(() => {
      for (let k = 0; k < perTick && sims.length < o.count && ended === undefined; k++) sims.push(startDevice(sims.length));
      if (sims.length >= o.count || ended !== undefined) {
        clearInterval(starter);
        resolve();
      }
    }, 50);
  });
  const patience = o.patienceMs ?? 120_000;
  await until(() => seen.size >= o.count || ended !== undefined, patience);
  const connectPerS = seen.size / ((performance.now() - connectStart) / 1000);

  // Each device's user changes one setting, at a random moment of the run.
  const settable = Object.entries(o.app.model.spec.properties).filter(([, spec]) => writable(spec) && settingFor(spec, random) !== undefined);
  const pending: Promise<void>[] = [];
  const runMs = o.durationMs ?? 60_000;
  const runStart = clock.now();
  for (let i = 0; i < sims.length; i++) {
    const [name, spec] = settable[random.int(0, Math.max(0, settable.length - 1))] ?? [];
    const value = spec === undefined ? undefined : settingFor(spec, random);
    if (name === undefined || value === undefined) continue;
    const at = random.int(0, Math.floor(runMs / 2));
    const id = `${prefix}-${i}`;
    pending.push(
      new Promise<void>((resolve) => {
        const fire = (): void => {
          const sent = performance.now();
          setsSent++;
          cloud
            .device(id, o.app.model)
            .set({ [name]: value } as never, { timeoutMs: 30_000 })
            .then(
              () => setTimes.push(performance.now() - sent),
              () => failedSets++,
            )
            .finally(resolve);
        };
        sims[i]?.hardware.after(at, fire, "user");
      }),
    );
  }
  await until(() => clock.now() - runStart >= runMs || ended !== undefined, Math.max(patience, (runMs / o.speed) * 3));
  await Promise.race([Promise.all(pending), sleep(patience), stopped]);
  // The devices stop where they are (their MCUs halt: no new reports); what they sent arrives.
  for (const sim of sims) sim.kernel.halt();
  const made = (): number => sims.reduce((sum, s) => sum + (s.link?.stats.reports ?? 0), 0);
  await until(() => reportsReceived >= made() || ended !== undefined, patience);
  clearInterval(ticker);
  clock.stop();
  const summary: FleetSummary = {
    devices: o.count,
    online: seen.size,
    reportsMade: made(),
    reportsReceived,
    sets: { sent: setsSent, answered: setTimes.length, p50Ms: percentile(setTimes, 50), p99Ms: percentile(setTimes, 99) },
    errors: {
      refused: sims.reduce((sum, s) => sum + (s.link?.stats.refused ?? 0), 0),
      malformed: sims.reduce((sum, s) => sum + (s.link?.stats.malformed ?? 0), 0),
      failedSets,
    },
    connectPerS: Math.round(connectPerS),
    wallMs: Math.round(performance.now() - wallStart),
    simulatedMs: Math.round(clock.now()),
    stoppedBy: why() === undefined ? "duration" : "interrupt",
  };
  for (const s of sims) s.powerOff();
  await cloud.stop();
  const failure = why();
  if (failure instanceof LoginRefusedError) throw failure;
  o.onProgress?.(progress());
  return summary;

  function startDevice(i: number): HostEngineBoard<ModelSpec> {
    const id = `${prefix}-${i}`;
    const sim = new HostEngineBoard(o.app, { clock, seed: o.seed * 100_003 + i, flash: new SimFlash(H1.flash) });
    const credentials = o.credentials;
    sim.connect(
      () =>
        new MqttTransport({
          url: o.brokerUrl,
          clientId: id,
          ...(credentials === undefined ? {} : { username: id, password: devicePassword(credentials.secretFor(id), id, credentials.issuedAt) }),
          onRefused: (reason) => end(new LoginRefusedError(`the broker at ${shownUrl} refused the devices' logins (device ${id}): ${reason}; ${credentials === undefined ? "give --fleet-secret HEX, the secret each device's is derived from" : "check --fleet-secret"}`)),
          will: { topic: topics.up(id), payload: encodeMessage({ type: "offline", seq: 0 }) },
        }),
      id,
      { fullReportEveryMs: o.reportEveryMs ?? 10_000 },
    );
    return sim;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number).toFixed(2));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done() && Date.now() < end) await sleep(50);
}

/** A value a user might set a property to: any of an enum's, either of a bool's, a stepped number in range; undefined for what has no bounds. */
function settingFor(spec: PropertySpec, random: Random): boolean | number | string | undefined {
  if (spec.type === "bool") return random.int(0, 1) === 1;
  if (spec.type === "enum") return spec.values[random.int(0, spec.values.length - 1)];
  if ((spec.type !== "number" && spec.type !== "int") || spec.min === undefined || spec.max === undefined) return undefined;
  const step = spec.type === "number" ? (spec.step ?? 1) : 1;
  return spec.min + random.int(0, Math.round((spec.max - spec.min) / step)) * step;
}
