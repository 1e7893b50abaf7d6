import { randomBytes } from "node:crypto";
import { H1 } from "../../../../hal/h1.js";
import { SimFlash } from "../../../../hal/sim/flash.js";
import { PacedClock } from "../../../../os/node/host-clock.js";
import { Random } from "../../../../os/random.js";
import type { ApplianceApp } from "../../sim/app.js";
import { Cloud } from "../../../cloud/cloud.js";
import { devicePassword } from "../../../protocol/credentials.js";
import { encodeMessage } from "../../../protocol/envelope.js";
import { topics, type Transport, type TransportEvents } from "../../../protocol/transport.js";
import { writable, type ModelSpec, type PropertySpec } from "../../../thing/model.js";
import { HostEngineBoard } from "../../sim/host-engine-board.js";
import type { DeviceLink } from "../../../device/link/device-link.js";
import { maskedUrl, untilBrokerAnswers } from "./broker-wait.js";
import { LeanMqttTransport } from "../mqtt/lean-transport.js";
import { LoginRefusedError, MqttTransport } from "../mqtt/transport.js";
import { fleetDeviceId, fleetDeviceSeed, type DeviceRange } from "./fleet-slices.js";
import { sliceSummary, type FleetSummary } from "./fleet-summary.js";
import { LatencyHistogram } from "./histogram.js";

export type { FleetSummary };

export interface FleetOptions {
  app: ApplianceApp<ModelSpec>;
  /** Devices in the whole fleet. */
  count: number;
  /** The devices this process runs (a shard's, or a worker's, slice). Default all of them. */
  range?: DeviceRange;
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
  /**
   * Beside a cloud tier (hearth cloud serve), which answers the devices: the fleet's cloud client
   * only watches (it answers nothing: no ack, time or error) and the users change no setting (the
   * tier's clients are the only ones who write desired state, so its versions are the devices').
   */
  observe?: boolean;
  /** How long to wait for every device to connect, and for the last reports to drain, real ms. Default 120 s. */
  patienceMs?: number;
  /**
   * Once this resolves (Ctrl-C, a benchmark's bound) the fleet starts no more devices and waits for
   * nothing more: its devices halt, what they sent drains (up to 10 s), and the summary says what
   * happened until then. Before the broker answers, it ends the wait with FleetStoppedError.
   * A login the broker refuses (the cloud's or a device's) ends the fleet too, with LoginRefusedError.
   */
  stop?: Promise<void>;
  onProgress?: (p: FleetProgress) => void;
  /** Hears that the broker has not answered yet (after a second; it gives up after 30 s). */
  onWait?: (line: string) => void;
  /** How long to wait for the broker to answer before giving up (BrokerUnreachableError). Default 30 s. */
  brokerWaitMs?: number;
}

export interface FleetProgress {
  started: number;
  online: number;
  reports: number;
}

/**
 * Many appliances in one process, each a full simulated board with its own
 * MQTT connection (and credentials, when given), in rooms that differ by seed,
 * with a user who changes the setting once. Devices start connecting at a
 * steady rate; one cloud client watches them, subscribed to their topics
 * only, so slices of one fleet (shards, workers) share a broker without
 * answering each other's devices. `range` picks the slice; everything about
 * device i comes from i. Node-only.
 */
export async function runFleet(o: FleetOptions): Promise<FleetSummary> {
  const wallStart = performance.now();
  const prefix = o.idPrefix ?? "fleet";
  const range = o.range ?? { from: 0, to: o.count };
  const ids: string[] = [];
  for (let i = range.from; i < range.to; i++) ids.push(fleetDeviceId(prefix, i));
  // Ctrl-C or a bound (o.stop), or a login the broker refuses (it would never get better), ends every wait below.
  let stopped = false;
  const refusal: { error?: LoginRefusedError } = {};
  let wake!: () => void;
  const ended = new Promise<void>((resolve) => (wake = resolve));
  let rejectRefused!: (error: LoginRefusedError) => void;
  const refused = new Promise<never>((_, reject) => (rejectRefused = reject));
  refused.catch(() => undefined);
  const end = (error?: LoginRefusedError): void => {
    if (error !== undefined && refusal.error === undefined) {
      refusal.error = error;
      rejectRefused(error);
    }
    stopped = true;
    wake();
  };
  void o.stop?.then(() => end());
  const shownUrl = maskedUrl(o.brokerUrl);
  const until = (done: () => boolean, timeoutMs: number): Promise<void> => waitFor(() => stopped || done(), timeoutMs);
  const clock = new PacedClock(o.speed);
  // Devices speak plain MQTT through the lean client (a socket, not a whole MQTT.js client); to a
  // broker on loopback each connects from its own 127.x address, so the fleet is not held to one
  // address's ephemeral ports (about 28,000 on Linux).
  const brokerUrl = new URL(o.brokerUrl);
  const lean = brokerUrl.protocol === "mqtt:";
  const loopback = lean && brokerUrl.hostname.startsWith("127.");
  const cloud = new Cloud(
    new OwnUplinks(
      new MqttTransport({
        url: o.brokerUrl,
        clientId: `${prefix}-cloud-${randomBytes(6).toString("hex")}`,
        ...(o.cloudLogin ?? {}),
        onRefused: (reason) => end(new LoginRefusedError(`the broker at ${shownUrl} refused the cloud's login (${o.cloudLogin === undefined ? "no user name: give --cloud-user and --cloud-password" : `user ${JSON.stringify(o.cloudLogin.username)}`}): ${reason}`)),
      }),
      ids,
    ),
    [o.app.model],
    () => Date.now(),
    o.observe === true ? { observer: true } : {},
  );
  const seen = new Set<string>();
  let reportsReceived = 0;
  cloud.onUplink((id, m) => {
    if (m.type === "hello") seen.add(id);
    else if (m.type === "report") reportsReceived++;
  });
  try {
    const answered = await untilBrokerAnswers(Promise.race([cloud.start(), refused]), { url: o.brokerUrl, ...(o.stop === undefined ? {} : { interrupted: o.stop }), ...(o.onWait === undefined ? {} : { print: o.onWait }), ...(o.brokerWaitMs === undefined ? {} : { timeoutMs: o.brokerWaitMs }) });
    if (answered === "interrupted") throw new FleetStoppedError("stopped before the broker answered");
  } catch (error) {
    await cloud.stop();
    throw error;
  }
  clock.start();

  const size = ids.length;
  const sims: HostEngineBoard<ModelSpec>[] = [];
  const linksOf: DeviceLink<ModelSpec>[][] = [];
  const latency = new LatencyHistogram();
  let setsSent = 0;
  let failedSets = 0;
  const progress = (): FleetProgress => ({ started: sims.length, online: seen.size, reports: reportsReceived });
  const ticker = setInterval(() => o.onProgress?.(progress()), 250);
  const connectStart = performance.now();
  const perTick = Math.max(1, Math.round((o.connectPerS ?? 200) / 20));
  await new Promise<void>((resolve) => {
    const starter = setInterval(() => {
      for (let k = 0; k < perTick && sims.length < size && !stopped; k++) sims.push(startDevice(range.from + sims.length));
      if (sims.length >= size || stopped) {
        clearInterval(starter);
        resolve();
      }
    }, 50);
  });
  const patience = o.patienceMs ?? 120_000;
  await until(() => seen.size >= size, patience);
  const rampMs = performance.now() - connectStart;

  // Each device's user changes one setting, at a random moment of the run (drawn from the device's own seed).
  const settable = Object.entries(o.app.model.spec.properties).filter(([, spec]) => writable(spec) && settingFor(spec, new Random(0)) !== undefined);
  const pending: Promise<void>[] = [];
  const runMs = o.durationMs ?? 60_000;
  const runStart = clock.now();
  for (let k = 0; k < (o.observe === true ? 0 : size); k++) {
    const random = new Random(fleetDeviceSeed(o.seed, range.from + k) ^ 0x5bd1e995);
    const [name, spec] = settable[random.int(0, Math.max(0, settable.length - 1))] ?? [];
    const value = spec === undefined ? undefined : settingFor(spec, random);
    if (name === undefined || value === undefined) continue;
    const at = random.int(0, Math.floor(runMs / 2));
    const id = ids[k] as string;
    pending.push(
      new Promise<void>((resolve) => {
        const fire = (): void => {
          const sent = performance.now();
          setsSent++;
          cloud
            .device(id, o.app.model)
            .set({ [name]: value } as never, { timeoutMs: 30_000 })
            .then(
              () => latency.recordMs(performance.now() - sent),
              () => failedSets++,
            )
            .finally(resolve);
        };
        sims[k]?.hardware.after(at, fire, "user");
      }),
    );
  }
  await until(() => clock.now() - runStart >= runMs, Math.max(patience, (runMs / o.speed) * 3));
  await Promise.race([Promise.all(pending), sleep(patience), ended]);
  // The devices stop where they are (their MCUs halt: no new reports); what they sent arrives.
  for (const sim of sims) sim.kernel.halt();
  const everyLink = (count: (l: DeviceLink<ModelSpec>) => number): number => linksOf.reduce((sum, links) => links.reduce((t, l) => t + count(l), sum), 0);
  const made = (): number => everyLink((l) => l.stats.reports);
  await waitFor(() => reportsReceived >= made() || refusal.error !== undefined, stopped ? Math.min(patience, 10_000) : patience);
  clearInterval(ticker);
  clock.stop();
  const summary = sliceSummary({
    range,
    online: seen.size,
    reportsMade: made(),
    reportsReceived,
    sets: { sent: setsSent, answered: latency.count, latency },
    errors: {
      refused: everyLink((l) => l.stats.refused),
      malformed: everyLink((l) => l.stats.malformed),
      failedSets,
    },
    rampMs: Math.round(rampMs),
    stopped,
    wallMs: Math.round(performance.now() - wallStart),
    simulatedMs: Math.round(clock.now()),
  });
  for (const s of sims) s.powerOff();
  await cloud.stop();
  if (refusal.error !== undefined) throw refusal.error;
  o.onProgress?.(progress());
  return summary;

  function startDevice(i: number): HostEngineBoard<ModelSpec> {
    const id = fleetDeviceId(prefix, i);
    const sim = new HostEngineBoard(o.app, { clock, seed: fleetDeviceSeed(o.seed, i), flash: new SimFlash(H1.flash) });
    const credentials = o.credentials;
    const login = credentials === undefined ? {} : { username: id, password: devicePassword(credentials.secretFor(id), id, credentials.issuedAt) };
    const will = { topic: topics.up(id), payload: encodeMessage({ type: "offline", seq: 0 }) };
    const onRefused = (reason: string): void =>
      end(new LoginRefusedError(`the broker at ${shownUrl} refused the devices' logins (device ${id}): ${reason}; ${credentials === undefined ? "give --fleet-secret HEX, the secret each device's is derived from" : "check --fleet-secret"}`));
    // Every boot's link: a board that resets (its watchdog, under a starved CPU) starts a new link whose
    // counts start at 0, and the reports the old one made still count.
    const links: DeviceLink<ModelSpec>[] = [];
    linksOf.push(links);
    sim.connect(
      () => {
        queueMicrotask(() => {
          const link = sim.link;
          if (link !== undefined && !links.includes(link)) links.push(link);
        });
        return lean
          ? new LeanMqttTransport({ url: o.brokerUrl, clientId: id, ...login, will, onRefused, ...(loopback ? { localAddress: loopbackSource(i) } : {}) })
          : new MqttTransport({ url: o.brokerUrl, clientId: id, ...login, will, onRefused });
      },
      id,
      { fullReportEveryMs: o.reportEveryMs ?? 10_000 },
    );
    return sim;
  }
}

/**
 * The cloud's transport, subscribed to the uplinks of these devices only
 * (where the cloud asks for every device's): a slice's cloud hears and
 * answers its own devices, never another slice's.
 */
class OwnUplinks implements Transport {
  constructor(
    private readonly inner: MqttTransport,
    private readonly deviceIds: readonly string[],
  ) {}
  start(events: TransportEvents): void {
    this.inner.start(events);
  }
  publish(topic: string, payload: Uint8Array): void {
    this.inner.publish(topic, payload);
  }
  subscribe(topic: string): void {
    if (topic !== topics.allUp) return this.inner.subscribe(topic);
    this.inner.subscribeMany(this.deviceIds.map((id) => topics.up(id)));
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
}

/** The fleet was told to stop before its broker answered: nothing ran, so there is nothing to sum up. */
export class FleetStoppedError extends Error {
  override readonly name = "FleetStoppedError";
}

/** Device i's source address on loopback: 127.1.0.0/16 and up, one address per device. */
function loopbackSource(i: number): string {
  return `127.${1 + Math.floor(i / 65_536)}.${(i >> 8) & 255}.${i & 255}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
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
