import { verifyEd25519 } from "../../os/boot/signing.js";
import { formatRecord, LogLevel } from "../../os/log.js";
import { existsSync } from "node:fs";
import { H1 } from "../../hal/h1.js";
import { loadFlash, saveFlash } from "../../hal/sim/node/flash-file.js";
import { PacedClock } from "../../os/node/host-clock.js";
import type { ApplianceApp } from "../app.js";
import { Cloud } from "../cloud/cloud.js";
import { devicePassword } from "../link/credentials.js";
import { encodeMessage } from "../link/envelope.js";
import { topics } from "../link/transport.js";
import type { ModelSpec } from "../model.js";
import { Simulation } from "../sim/simulation.js";
import { startBroker, type EmbeddedBroker } from "./broker.js";
import { formatClock } from "./duration.js";
import { startBoardPort } from "./flasher.js";
import { loadBundle } from "./load-bundle.js";
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
  images?: { publicKey: Uint8Array; serialPort?: number };
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
  const sim = new Simulation(o.app, {
    clock,
    seed: o.seed,
    ...(flash === undefined ? {} : { flash }),
    ...(o.images === undefined ? {} : { images: { publicKey: o.images.publicKey, checkSignature: verifyEd25519, load: loadBundle } }),
  });
  sim.onLog((r) => {
    // A board shows what its bootloader and updates decide, too.
    const shown = LogLevel[r.level] >= LogLevel.warn || (o.images !== undefined && (r.task === "boot" || r.task === "ota"));
    if (shown) o.print(formatRecord(r), false);
  });
  const serial = o.images === undefined ? undefined : await startSerialPort(sim, o.images.serialPort ?? 0, o.flashFile);
  if (serial !== undefined) o.print(`serial  bootloader port 127.0.0.1:${serial.port} (hearth flash IMAGE --port 127.0.0.1:${serial.port})`, false);
  sim.connect(
    () =>
      new MqttTransport({
      url,
      clientId: o.deviceId,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ...(o.deviceSecret === undefined ? {} : { username: o.deviceId, password: devicePassword(o.deviceSecret, o.deviceId, o.issuedAt ?? 0) }),
      will: { topic: topics.up(o.deviceId), payload: encodeMessage({ type: "offline", seq: 0 }) },
    }),
    o.deviceId,
  );
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
  const firmware = sim.firmware ?? "none (waiting for hearth flash)";
  o.print(`device  ${o.deviceId}: ${o.app.name} firmware ${firmware} on board ${o.app.boardId}, seed ${o.seed}, ${o.speed}x${o.speed < 10 ? " (try --speed 60 to watch an hour a minute)" : ""}`, false);

  const stopped = new Promise<SimSummary["stoppedBy"]>((resolve) => {
    if (o.durationMs !== undefined) sim.kernel.after(o.durationMs, () => resolve("duration"), "sim");
    void o.interrupted.then(() => resolve("interrupt"));
  });
  const show = (): void => {
    const update = sim.updates?.progress;
    const running = sim.firmware === undefined ? "no valid image: waiting for hearth flash" : `${o.images === undefined ? "" : `fw ${sim.firmware} | `}${sim.status()}`;
    const ota = update === undefined ? "" : ` | update ${update.phase} ${Math.floor((100 * update.bytes) / update.size)}%`;
    o.print(`[${formatClock(clock.now())}] ${running}${ota} | link ${sim.link?.state ?? "down"} | cloud saw ${watched.reports} reports`, true);
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
    state: sim.device.snapshot(),
    cloud: { reports: watched.reports, online: watched.online },
    link: { sent: 0, received: 0, malformed: 0, refused: 0, ...sim.link?.stats },
    resets: sim.resets.map((r) => ({ at: r.at, reason: r.reason })),
    faults: sim.kernel.faultCount,
    stoppedBy,
  };
  if (o.flashFile !== undefined) saveFlash(sim.h1.flash, o.flashFile);
  await serial?.close();
  await sim.link?.stop();
  await cloud.stop();
  await broker?.close();
  return summary;
}

/** The board's serial bootloader port; `boot` resets the MCU into the new image (and saves the flash file). */
async function startSerialPort(sim: Simulation<ModelSpec>, port: number, flashFile: string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  return startBoardPort({
    bootloader: () => {
      if (sim.bootloader === undefined) throw new Error("the board runs no bootloader");
      return sim.bootloader;
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
