import { verifyEd25519 } from "../../os/boot/signing.js";
import { formatRecord, LogLevel } from "../../os/log.js";
import { existsSync } from "node:fs";
import { H1, h1Layout } from "../../hal/h1.js";
import { loadFlash, saveFlash } from "../../hal/sim/node/flash-file.js";
import { PacedClock } from "../../os/node/host-clock.js";
import type { ApplianceApp } from "../app.js";
import { Cloud } from "../cloud/cloud.js";
import type { CloudDevice } from "../cloud/cloud-device.js";
import { devicePassword } from "../link/credentials.js";
import { encodeMessage } from "../link/envelope.js";
import { topics } from "../link/transport.js";
import type { ModelSpec } from "../model.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { hostBoard, type Engine, type HostedBoard } from "./hosted-board.js";
import { loadQuickJs } from "./quickjs-mcu.js";
import { startBroker, type EmbeddedBroker } from "./broker.js";
import { formatClock } from "./duration.js";
import { startBoardPort } from "./flasher.js";
import { MqttTransport } from "./mqtt-transport.js";

export interface SimHostOptions {
  app: ApplianceApp<ModelSpec>;
  /** Virtual time runs this many times faster than real time. */
  speed: number;
  /** Stop after this much simulated time; run until stopped when undefined. */
  durationMs?: number;
  /** An outside broker; the embedded one when undefined. */
  brokerUrl?: string;
  /** Port for the embedded broker: 1883 unless busy, then a free one. */
  port?: number;
  seed: number;
  deviceId: string;
  /** Where the live status and messages go. */
  print: (line: string, live: boolean) => void;
  /** For an outside broker: the CA of its TLS certificate (PEM), the device's credential, the cloud's login. */
  ca?: string;
  deviceSecret?: Uint8Array;
  issuedAt?: number;
  cloudLogin?: { username: string; password: string };
  /** Keep the board's flash in this file between runs (loaded if it exists, saved at the end). */
  flashFile?: string;
  /**
   * Run the board as the chip does: the firmware is the image in its flash
   * (signed with the key whose public half is given), written by
   * `hearth flash` to the serial bootloader port (TCP `serialPort` on
   * 127.0.0.1; a free one when 0 or undefined) or by an update over the air.
   */
  images?: {
    publicKey: Uint8Array;
    serialPort?: number;
    /** Programmed into a blank flash before the first boot, as a factory would. */
    factoryImage?: Uint8Array;
  };
  /** Where the firmware runs: the host's engine (default), or QuickJS with the H1's memory ("embedded", from images). */
  engine?: Engine;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

export interface SimSummary {
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

/** Runs one simulated appliance against a broker, with a cloud client watching. Node-only. */
export async function runSimulation(o: SimHostOptions): Promise<SimSummary> {
  const wallStart = performance.now();
  let broker: EmbeddedBroker | undefined;
  if (o.brokerUrl === undefined) broker = await startEmbedded(o.port ?? 1883);
  const url = o.brokerUrl ?? (broker as EmbeddedBroker).url;
  o.print(`broker  ${url}${broker ? " (embedded)" : ""}; watch with: mosquitto_sub -L '${url}/h/#' -v`, false);

  const flash = o.flashFile !== undefined && existsSync(o.flashFile) ? loadFlash(o.flashFile, H1.flash) : undefined;
  if (flash !== undefined) o.print(`flash   ${o.flashFile} (settings and logs from the last run)`, false);
  const clock = new PacedClock(o.speed);
  if (o.durationMs !== undefined) clock.limit = o.durationMs;
  const engine = o.engine ?? "node";
  const publicKey = o.images?.publicKey;
  if (engine === "embedded" && o.images?.factoryImage !== undefined && flash === undefined) o.print("flash   a blank board: the image is programmed into it first (a factory would)", false);
  const hosted = hostBoard({
    engine,
    app: o.app,
    clock,
    seed: o.seed,
    ...(flash === undefined ? (o.images?.factoryImage === undefined ? {} : { flash: factoryFlash(o.images.factoryImage, publicKey as Uint8Array, o.app.boardId) }) : { flash }),
    ...(publicKey === undefined ? {} : { publicKey }),
    ...(engine === "embedded" ? { quickjs: await loadQuickJs() } : {}),
    network: {
      transport: () =>
        new MqttTransport({
          url,
          clientId: o.deviceId,
          ...(o.ca === undefined ? {} : { ca: o.ca }),
          ...(o.deviceSecret === undefined ? {} : { username: o.deviceId, password: devicePassword(o.deviceSecret, o.deviceId, o.issuedAt ?? 0) }),
          will: { topic: topics.up(o.deviceId), payload: encodeMessage({ type: "offline", seq: 0 }) },
        }),
      deviceId: o.deviceId,
    },
  });
  const sim = hosted.board;
  hosted.onLog((r) => {
    // A board shows what its bootloader, updates and engine decide, too.
    const shown = LogLevel[r.level] >= LogLevel.warn || (o.images !== undefined && (r.task === "boot" || r.task === "ota" || r.task === "engine"));
    if (shown) o.print(formatRecord(r), false);
  });
  const serial = o.images === undefined ? undefined : await startSerialPort(hosted, o.images.serialPort ?? 0, o.flashFile);
  if (serial !== undefined) o.print(`serial  bootloader port 127.0.0.1:${serial.port} (hearth flash IMAGE --port 127.0.0.1:${serial.port})`, false);
  const epoch = Date.now();
  const cloud = new Cloud(
    new MqttTransport({
      url,
      clientId: `cloud-${o.deviceId}-${process.pid}`,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ...(o.cloudLogin === undefined ? {} : o.cloudLogin),
    }),
    [o.app.model],
    () => epoch + clock.now(),
  );
  await cloud.start();
  const watched = cloud.device(o.deviceId, o.app.model);
  // A factory-fresh image starts from its defaults; `hearth sim` shows the appliance as its app does
  // (switched on, say): the cloud sets those settings once the device is up, as a user with the app would.
  if (o.images?.factoryImage !== undefined && flash === undefined) void applySettings(watched, o.app);
  const firmware = hosted.firmware ?? "none (waiting for hearth flash)";
  const where = engine === "embedded" ? `, in QuickJS (code ${hosted.heap()?.codeBytes ?? "?"} bytes of heap, data budget 160 KiB)` : "";
  o.print(`device  ${o.deviceId}: ${o.app.name} firmware ${firmware} on board ${o.app.boardId}${where}, seed ${o.seed}, ${o.speed}x${o.speed < 10 ? " (try --speed 60 to watch an hour a minute)" : ""}`, false);

  const stopped = new Promise<SimSummary["stoppedBy"]>((resolve) => {
    if (o.durationMs !== undefined) sim.board.after(o.durationMs, () => resolve("duration"), "sim");
    void o.interrupted.then(() => resolve("interrupt"));
  });
  const show = (): void => {
    const update = hosted.update();
    const running = hosted.firmware === undefined ? "no firmware running (flash an image)" : `${o.images === undefined ? "" : `fw ${hosted.firmware} | `}${hosted.status()}`;
    const ota = update === undefined ? "" : ` | update ${update.phase} ${Math.floor((100 * update.bytes) / update.size)}%`;
    o.print(`[${formatClock(clock.now())}] ${running}${ota} | link ${hosted.linkState()} | cloud saw ${watched.reports} reports`, true);
  };
  const statusTimer = setInterval(show, 250);
  clock.start();
  const stoppedBy = await stopped;
  clock.stop();
  clearInterval(statusTimer);
  show();

  const summary: SimSummary = {
    appliance: o.app.name,
    deviceId: o.deviceId,
    broker: url,
    seed: o.seed,
    speed: o.speed,
    simulatedMs: clock.now(),
    wallMs: Math.round(performance.now() - wallStart),
    readings: roundAll(sim.plant.readings()),
    state: hosted.state(),
    cloud: { reports: watched.reports, online: watched.online },
    link: hosted.linkStats(),
    resets: sim.resets.map((r) => ({ at: r.at, reason: r.reason })),
    faults: hosted.faults(),
    ...(engine === "embedded" ? { engine: { name: "quickjs", heap: hosted.heap() } } : {}),
    stoppedBy,
  };
  if (o.flashFile !== undefined) saveFlash(sim.h1.flash, o.flashFile);
  await serial?.close();
  sim.powerOff();
  await cloud.stop();
  await broker?.close();
  return summary;
}

/** The board's serial bootloader port; `boot` resets the MCU into the new image (and saves the flash file). */
async function startSerialPort(hosted: HostedBoard, port: number, flashFile: string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  const sim = hosted.board;
  return startBoardPort({
    bootloader: () => {
      const bootloader = hosted.bootloader();
      if (bootloader === undefined) throw new Error("the board runs no bootloader");
      return bootloader;
    },
    board: sim.app.boardId,
    port,
    onReset: () =>
      setImmediate(() => {
        sim.reset("software");
        if (flashFile !== undefined) saveFlash(sim.h1.flash, flashFile);
      }),
  });
}

/** Sets, from the cloud, every writable property where the app's initial state differs from the device's. */
async function applySettings(device: CloudDevice<ModelSpec>, app: ApplianceApp<ModelSpec>): Promise<void> {
  const state = await device.waitFor(() => true, 30_000).catch(() => undefined);
  if (state === undefined) return;
  const wanted: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(app.model.spec.properties)) {
    const value = (app.initial as Record<string, unknown>)[name];
    if (spec.access === "rw" && value !== undefined && value !== (state as Record<string, unknown>)[name]) wanted[name] = value;
  }
  if (Object.keys(wanted).length > 0) await device.set(wanted as never).catch(() => undefined);
}

/** A blank H1 flash with `image` in a slot, installed and confirmed. */
function factoryFlash(image: Uint8Array, publicKey: Uint8Array, board: string): SimFlash {
  const flash = new SimFlash(H1.flash);
  installConfirmed(flash, h1Layout(), publicKey, board, verifyEd25519, image);
  return flash;
}

async function startEmbedded(port: number): Promise<EmbeddedBroker> {
  try {
    return await startBroker({ port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return startBroker({ port: 0 });
  }
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}
