import { randomBytes } from "node:crypto";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { H1 } from "../../../../hal/h1.js";
import { FlashFile } from "../../../../hal/sim/node/flash-file.js";
import { formatRecord, LogLevel } from "../../../../os/log.js";
import { PacedClock } from "../../../../os/node/host-clock.js";
import { userSettings, type ApplianceApp } from "../../sim/app.js";
import { Cloud } from "../../../cloud/cloud.js";
import type { CloudDevice } from "../../../cloud/cloud-device.js";
import { devicePassword } from "../../../protocol/credentials.js";
import { encodeMessage } from "../../../protocol/envelope.js";
import { topics } from "../../../protocol/transport.js";
import type { ModelSpec } from "../../../thing/model.js";
import { startBroker, type BrokerAuth, type EmbeddedBroker } from "../mqtt/broker.js";
import { startConsole } from "../../console/node/server.js";
import type { MatterPairing } from "../../console/api.js";
import { sessionSource } from "../../console/session-source.js";
import { formatClock } from "../../sim/duration.js";
import { startBoardPort } from "../tools/flasher.js";
import type { Engine } from "../../sim/start-board.js";
import { maskedUrl, untilBrokerAnswers } from "./broker-wait.js";
import { loadBundle } from "./load-bundle.js";
import { startLogPort } from "./log-port.js";
import { LoginRefusedError, MqttTransport } from "../mqtt/transport.js";
import { loadQuickJs } from "../../sim/quickjs-mcu.js";
import type { McuHooks } from "../../sim/image-mcu.js";
import { XsMcu } from "../xs/xs-mcu.js";
import { xsnapBinary } from "../xs/worker.js";

/** Each image engine: how a person reads its name, and how the JSON summary names it. */
const IMAGE_ENGINES = { embedded: { label: "QuickJS", id: "quickjs" }, xs: { label: "XS", id: "xs" } } as const;
import { SessionAppliance } from "../../sim/session-appliance.js";

/** One appliance of a session. */
export interface SessionApplianceSpec {
  app: ApplianceApp<ModelSpec>;
  deviceId: string;
  /** Keep the board's flash in this file between runs (loaded if it exists, saved at the end). */
  flashFile?: string;
  /**
   * Run the board as the chip does: the firmware is the image in its flash
   * (signed with the key whose public half is given), written by
   * `hearth flash` to the serial bootloader port (TCP `serialPort` on
   * 127.0.0.1; a free one when 0; none when undefined) or by an update over the air.
   */
  images?: { publicKey: Uint8Array; serialPort?: number; factoryImage?: Uint8Array };
  /** Serve the board's log (every record, a line each) on this TCP port of 127.0.0.1 (0: a free one), for hearth monitor. */
  logPort?: number;
}

export interface SessionOptions {
  appliances: SessionApplianceSpec[];
  /** Virtual time runs this many times faster than real time. */
  speed: number;
  /** Stop after this much simulated time; run until stopped when undefined. */
  durationMs?: number;
  /** An outside broker; the embedded one when undefined. */
  brokerUrl?: string;
  /** Port for the embedded broker: 1883 unless busy, then a free one. */
  port?: number;
  /**
   * The embedded broker lets anonymous clients watch, read-only (mosquitto_sub). Default: it
   * admits only this session's devices, each with its own credential, and the cloud's backend login.
   */
  open?: boolean;
  /** How long to wait for the broker to answer before giving up (BrokerUnreachableError). Default 30 s. */
  brokerWaitMs?: number;
  seed: number;
  /** Where the live status and messages go. */
  print: (line: string, live: boolean) => void;
  /** For an outside broker: the CA of its TLS certificate (PEM), the device's credential (one appliance), the cloud's login. */
  ca?: string;
  deviceSecret?: Uint8Array;
  issuedAt?: number;
  cloudLogin?: { username: string; password: string };
  /** Where the firmware runs: the host's engine (default), QuickJS with the H1's memory ("embedded"), or XS ("xs"); both from images. */
  engine?: Engine;
  /** Serve the web console on this port of 127.0.0.1 (0: a free one); no console when undefined. */
  consolePort?: number;
  /**
   * Started once the cloud is up, with it (the Matter bridge of --matter); its `stop` is awaited before
   * the cloud stops, and its `pairing` (the Matter pairing codes and QR code) is shown on the console.
   */
  withCloud?: (cloud: Cloud, print: (line: string) => void) => Promise<{ stop: () => Promise<void>; pairing?: () => MatterPairing }>;
  /** Called once the session is up (tests use it to find the console). */
  onReady?: (info: { brokerUrl: string; consoleUrl: string | undefined }) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

export interface SessionSummary {
  appliance: string;
  deviceId: string;
  broker: string;
  seed: number;
  speed: number;
  simulatedMs: number;
  wallMs: number;
  readings: Record<string, number>;
  state: Record<string, unknown>;
  cloud: { reports: number; online: boolean };
  link: { sent: number; received: number; malformed: number; refused: number };
  faults: number;
  engine?: { name: string; heap: { codeBytes: number; dataBytes: number; peakDataBytes: number } | undefined };
  resets: { at: number; reason: string }[];
  stoppedBy: "duration" | "interrupt";
}

/**
 * Runs simulated appliances against a broker (the embedded one, which the
 * console can restart, or an outside one), with a cloud client watching and
 * the web console serving them. Node-only.
 */
export async function runSimulation(o: SessionOptions): Promise<SessionSummary[]> {
  const wallStart = performance.now();
  // Flash files first: one that cannot be used is refused before anything starts.
  const files = openFlashFiles(o);
  const brokers = await brokerFor(o).catch((error: unknown) => {
    for (const f of files) f?.close();
    throw error;
  });
  const url = brokers.url;
  if (brokers.embedded) {
    o.print(`broker  ${url} (embedded; each device logs in with its own credential)`, false);
    o.print(`backend ${withLogin(url, brokers.cloudLogin)} (the cloud's login: hearth ota --broker <this>)`, false);
    o.print(o.open === true ? `watch   mosquitto_sub -L '${url}/h/#' -v (anonymous clients may watch, read-only: --open)` : "watch   anonymous clients are refused; run with --open to watch with mosquitto_sub (read-only)", false);
  } else o.print(`broker  ${maskedUrl(url)}`, false);

  // A login the broker refuses (the cloud's, or a device's) ends the session with the reason: it would never get better.
  let refuse!: (error: LoginRefusedError) => void;
  const refused = new Promise<never>((_, reject) => (refuse = reject));
  refused.catch(() => undefined);
  const shownUrl = maskedUrl(url);
  const clock = new PacedClock(o.speed);
  if (o.durationMs !== undefined) clock.limit = o.durationMs;
  const engine = o.engine ?? "node";
  const epoch = Date.now();
  const cloud = new Cloud(
    mqtt(o, url, `cloud-${randomBytes(6).toString("hex")}`, brokers.cloudLogin ?? o.cloudLogin, (reason) => {
      const login = brokers.cloudLogin ?? o.cloudLogin;
      refuse(new LoginRefusedError(`the broker at ${shownUrl} refused the cloud's login (${login === undefined ? "no user name: give --cloud-user and --cloud-password" : `user ${JSON.stringify(login.username)}`}): ${reason}`));
    }),
    o.appliances.flatMap((a) => [a.app.model, ...(a.app.earlierModels ?? [])]),
    () => epoch + clock.now(),
  );
  const quickjs = engine === "embedded" ? await loadQuickJs() : undefined;
  if (engine === "xs") xsnapBinary(); // says now, and clearly, if XS was not built here
  const xs = engine === "xs" ? { xs: (hooks: McuHooks) => new XsMcu({}, hooks) } : {};
  const appliances = o.appliances.map((a, i) => {
    const file = files[i];
    const flash = file?.flash;
    if (file !== undefined) o.print(`flash   ${file.path}${file.fresh ? " (new: a blank board)" : " (settings and logs from the last run)"}; every write is kept as it is made`, false);
    if (file === undefined || file.fresh) if (engine !== "node" && a.images?.factoryImage !== undefined) o.print(`flash   ${a.deviceId}: a blank board; the image is programmed into it first (a factory would)`, false);
    const device = new SessionAppliance({
      app: a.app,
      deviceId: a.deviceId,
      clock,
      seed: o.seed + i,
      engine,
      cloud,
      connect: () =>
        deviceTransport(o, url, a.deviceId, brokers.deviceSecret?.(a.deviceId), (reason) => {
          const hint = o.deviceSecret === undefined ? "it has no credential: give --device-secret" : "check --device-secret and --issued-at";
          refuse(new LoginRefusedError(`the broker at ${shownUrl} refused device ${a.deviceId}'s login: ${reason} (${hint})`));
        }),
      sampled: o.consolePort !== undefined,
      ...(flash === undefined ? {} : { flash }),
      ...(a.images === undefined ? {} : { images: file === undefined || file.fresh ? a.images : { publicKey: a.images.publicKey } }),
      host: { load: loadBundle, stopwatch: () => performance.now(), ...(quickjs === undefined ? {} : { quickjs }), ...xs },
    });
    device.board.onLog((r) => {
      // A board shows what its bootloader, updates and engine decide, too.
      const shown = LogLevel[r.level] >= LogLevel.warn || (a.images !== undefined && (r.task === "boot" || r.task === "ota" || r.task === "engine"));
      if (shown) o.print(`${o.appliances.length > 1 ? `${a.deviceId} ` : ""}${formatRecord(r)}`, false);
    });
    return device;
  });
  const serials = await Promise.all(appliances.map((d, i) => startSerialPort(d, o.appliances[i] as SessionApplianceSpec)));
  for (const s of serials) if (s !== undefined) o.print(`serial  bootloader port 127.0.0.1:${s.port} (hearth flash IMAGE --port 127.0.0.1:${s.port})`, false);
  const logs = await Promise.all(appliances.map((d, i) => { const port = o.appliances[i]?.logPort; return port === undefined ? undefined : startLogPort(port, (sink) => d.board.onLog(sink)); }));
  for (const [i, l] of logs.entries()) if (l !== undefined) o.print(`log     ${o.appliances.length > 1 ? `${appliances[i]?.id} ` : ""}every record on 127.0.0.1:${l.port} (hearth monitor 127.0.0.1:${l.port})`, false);
  let up: "up" | "interrupted" = "interrupted";
  /** What the session started, closed in order: ports, boards, the cloud, the brokers, flash files. */
  const closeAll = async (): Promise<void> => {
    await Promise.all(serials.map((s) => s?.close()));
    await Promise.all(logs.map((l) => l?.close()));
    for (const d of appliances) d.board.powerOff();
    await cloud.stop();
    await brokers.close();
    for (const f of files) f?.close();
  };
  try {
    up = await untilBrokerAnswers(Promise.race([cloud.start(), refused]), { url, interrupted: o.interrupted, ...(o.brokerWaitMs === undefined ? {} : { timeoutMs: o.brokerWaitMs }), print: (line) => o.print(line, false) });
  } finally {
    // Not up (stopped, or no broker in time): close what was started, then return or throw.
    if (up !== "up") await closeAll();
  }
  if (up === "interrupted") return [];
  // A factory-fresh image starts from its defaults; the simulator shows the appliance as its app does
  // (switched on, say): the cloud sets those settings once the device is up, as a user with the app would.
  for (const d of appliances) if (d.o.images?.factoryImage !== undefined) void applySettings(d.cloudDevice, d.app);
  for (const d of appliances) {
    const where = engine === "node" ? "" : `, in ${IMAGE_ENGINES[engine].label} (code ${d.board.heap?.codeBytes ?? "?"} bytes of heap, data budget 160 KiB)`;
    o.print(`device  ${d.id}: ${d.app.name} firmware ${d.board.firmware ?? "none (waiting for hearth flash)"} on board ${d.app.boardId}${where}, seed ${d.o.seed}, ${o.speed}x${o.speed < 10 ? " (try --speed 60 to watch an hour a minute)" : ""}`, false);
  }
  let extension: Awaited<ReturnType<NonNullable<SessionOptions["withCloud"]>>> | undefined;
  const web =
    o.consolePort === undefined
      ? undefined
      : await startConsole({ source: sessionSource({ appliances, cloud, clock, restartBroker: brokers.restart, matter: () => extension?.pairing?.() }), port: o.consolePort });
  if (web !== undefined) o.print(`console ${web.url}`, false);
  extension = await o.withCloud?.(cloud, (line) => o.print(line, false));
  o.onReady?.({ brokerUrl: url, consoleUrl: web?.url });

  let failure: LoginRefusedError | undefined;
  const stopped = new Promise<SessionSummary["stoppedBy"]>((resolve) => {
    if (o.durationMs !== undefined) (appliances[0] as SessionAppliance).board.hardware.after(o.durationMs, () => resolve("duration"), "sim");
    void o.interrupted.then(() => resolve("interrupt"));
    refused.catch((error: LoginRefusedError) => {
      failure = error;
      resolve("interrupt");
    });
  });
  // A line per appliance, the clock on the first: a terminal fits each to its width (cli/live-status.ts).
  const show = (): void => {
    const at = `[${formatClock(clock.now())}] `;
    o.print(appliances.map((d, i) => `${i === 0 ? at : " ".repeat(at.length)}${statusOf(d, appliances.length > 1)}`).join("\n"), true);
  };
  const statusTimer = setInterval(show, 250);
  clock.start();
  const stoppedBy = await stopped;
  clock.stop();
  clearInterval(statusTimer);
  show();

  const summaries = appliances.map((d): SessionSummary => ({
    appliance: d.app.name,
    deviceId: d.id,
    broker: shownUrl,
    seed: d.o.seed,
    speed: o.speed,
    simulatedMs: clock.now(),
    wallMs: Math.round(performance.now() - wallStart),
    readings: roundAll(d.board.plant.readings()),
    state: d.board.inspect()?.state ?? {},
    cloud: { reports: d.cloudDevice.reports, online: d.cloudDevice.online },
    link: { sent: 0, received: 0, malformed: 0, refused: 0, ...d.board.inspect()?.stats },
    resets: d.board.resets.map((r) => ({ at: r.at, reason: r.reason })),
    faults: d.board.inspect()?.faults ?? 0,
    ...(engine === "node" ? {} : { engine: { name: IMAGE_ENGINES[engine].id, heap: d.board.heap } }),
    stoppedBy,
  }));
  await web?.close();
  await extension?.stop();
  await closeAll();
  if (failure !== undefined) throw failure;
  return summaries;
}

function statusOf(d: SessionAppliance, named: boolean): string {
  const seen = d.board.inspect();
  const update = seen?.update;
  const running = d.board.firmware === undefined ? "no firmware running (flash an image)" : `${d.o.images === undefined ? "" : `fw ${d.board.firmware} | `}${d.board.status()}`;
  const ota = update === undefined ? "" : ` | update ${update.phase} ${Math.floor((100 * update.bytes) / update.size)}%`;
  return `${named ? `${d.id}: ` : ""}${running}${ota} | link ${seen?.link ?? "down"} | cloud saw ${d.cloudDevice.reports} reports`;
}

function mqtt(o: SessionOptions, url: string, clientId: string, login: { username: string; password: string } | undefined, onRefused: (reason: string) => void): MqttTransport {
  return new MqttTransport({ url, clientId, onRefused, ...(o.ca === undefined ? {} : { ca: o.ca }), ...(login === undefined ? {} : login) });
}

function deviceTransport(o: SessionOptions, url: string, deviceId: string, embeddedSecret: Uint8Array | undefined, onRefused: (reason: string) => void): MqttTransport {
  const secret = embeddedSecret ?? o.deviceSecret;
  return new MqttTransport({
    url,
    clientId: deviceId,
    onRefused,
    ...(o.ca === undefined ? {} : { ca: o.ca }),
    ...(secret === undefined ? {} : { username: deviceId, password: devicePassword(secret, deviceId, embeddedSecret === undefined ? (o.issuedAt ?? 0) : 0) }),
    will: { topic: topics.up(deviceId), payload: encodeMessage({ type: "offline", seq: 0 }) },
  });
}

/** The broker the session uses: an outside one, or the embedded one (which the console can restart on its port). */
interface SessionBroker {
  url: string;
  embedded: boolean;
  /** The embedded broker's backend login for this run (the cloud, and tools such as hearth ota). */
  cloudLogin?: { username: string; password: string };
  /** The embedded broker's credential secret of each of this session's devices. */
  deviceSecret?: (deviceId: string) => Uint8Array;
  restart: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

async function brokerFor(o: SessionOptions): Promise<SessionBroker> {
  if (o.brokerUrl !== undefined) return { url: o.brokerUrl, embedded: false, restart: undefined, close: async () => undefined };
  // This run's credentials: each device's secret derived from a random one (or the one given), the cloud a random password.
  const base = randomBytes(32);
  const ids = new Set(o.appliances.map((a) => a.deviceId));
  const deviceSecret = (id: string): Uint8Array => o.deviceSecret ?? hmac(sha256, base, new TextEncoder().encode(id));
  const cloudLogin = { username: "hearth", password: randomBytes(12).toString("hex") };
  const auth: BrokerAuth = {
    device: (id) => (ids.has(id) ? { secret: deviceSecret(id), issuedAt: 0 } : undefined),
    backends: new Map([[cloudLogin.username, cloudLogin.password]]),
    watchers: o.open === true,
  };
  let broker: EmbeddedBroker = await startEmbedded(o.port ?? 1883, auth);
  const port = broker.port;
  return {
    url: broker.url,
    embedded: true,
    cloudLogin,
    deviceSecret,
    restart: async () => {
      await broker.close();
      broker = await startBroker({ port, auth });
    },
    close: () => broker.close(),
  };
}

/** The board's serial bootloader port; `boot` resets the MCU into the new image (and saves the flash file). */
async function startSerialPort(d: SessionAppliance, a: SessionApplianceSpec): Promise<{ port: number; close(): Promise<void> } | undefined> {
  if (a.images?.serialPort === undefined) return undefined;
  const board = d.board;
  return startBoardPort({
    bootloader: () => {
      const bootloader = d.board.romBootloader();
      if (bootloader === undefined) throw new Error("the board runs no bootloader");
      return bootloader;
    },
    board: a.app.boardId,
    port: a.images.serialPort,
    onReset: () =>
      setImmediate(() => board.reset("software")),
  });
}

/** Each appliance's flash file, opened (or made) now; a file that cannot be used throws FlashFileError. */
function openFlashFiles(o: SessionOptions): (FlashFile | undefined)[] {
  const files: (FlashFile | undefined)[] = [];
  try {
    for (const a of o.appliances) files.push(a.flashFile === undefined ? undefined : FlashFile.open(a.flashFile, H1.flash));
  } catch (error) {
    for (const f of files) f?.close();
    throw error;
  }
  return files;
}

/** Sets, from the cloud, every writable property where the app's initial state differs from the device's. */
async function applySettings(device: CloudDevice<ModelSpec>, app: ApplianceApp<ModelSpec>): Promise<void> {
  const state = await device.waitFor(() => true, 30_000).catch(() => undefined);
  if (state === undefined) return;
  const wanted = Object.fromEntries(Object.entries(userSettings(app)).filter(([name, value]) => value !== (state as Record<string, unknown>)[name]));
  if (Object.keys(wanted).length > 0) await device.set(wanted as never).catch(() => undefined);
}

async function startEmbedded(port: number, auth: BrokerAuth): Promise<EmbeddedBroker> {
  try {
    return await startBroker({ port, auth });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return startBroker({ port: 0, auth });
  }
}

/** The URL with a login in it (mqtt://user:password@host:port), as MQTT clients take it. */
function withLogin(url: string, login: { username: string; password: string } | undefined): string {
  if (login === undefined) return url;
  const u = new URL(url);
  u.username = login.username;
  u.password = login.password;
  return u.href.replace(/\/$/, "");
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}
