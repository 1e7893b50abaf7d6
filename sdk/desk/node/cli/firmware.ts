import { randomBytes, X509Certificate } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { newKeyPair } from "../../../../os/boot/signing.js";
import { Cloud } from "../../../cloud/cloud.js";
import { LoginRefusedError, MqttTransport } from "../mqtt/transport.js";
import { maskedUrl } from "../host/broker-wait.js";
import type { SessionApplianceSpec, SessionOptions } from "../host/session.js";
import type { Engine } from "../../sim/start-board.js";
import { buildFirmware } from "../tools/build.js";
import { brokerOption, deviceIdOption, deviceListOption, durationOption, fileOption, folderOption, hexOption, intOption, numberOption, outFileOption, UsageError } from "./options.js";
import { checkedImage, flashImage, isBoardAddress } from "../tools/flasher.js";
import { ImageError } from "../../../../os/boot/image.js";
import { developmentKey } from "../../sim/development-key.js";
import { MODDABLE_PLATFORMS, moddableBoard, writeModdableProject, type Provisioning } from "../tools/moddable.js";
import { devicePassword } from "../../../protocol/credentials.js";

/** The CLI's firmware commands: keys new, build, flash, board, ota. Node-only. */
export function keysNew(rest: string[], values: { out?: string | undefined }): number {
  if (rest[0] !== "new" || values.out === undefined) throw new UsageError("try hearth keys new --out DIR");
  const out = folderOption("--out", values.out);
  const keyFile = join(out, "hearth.key");
  if (existsSync(keyFile)) throw new UsageError(`${keyFile} exists; a new key would orphan every image signed with it`);
  const { secretKey, publicKey } = newKeyPair();
  writeFileSync(keyFile, `${Buffer.from(secretKey).toString("hex")}\n`, { mode: 0o600 });
  writeFileSync(join(out, "hearth.pub"), `${Buffer.from(publicKey).toString("hex")}\n`);
  console.log(`wrote ${keyFile} (secret: keep it off the appliance) and ${join(out, "hearth.pub")}`);
  return 0;
}

export async function buildCommand(
  rest: string[],
  values: {
    board?: string | undefined;
    key?: string | undefined;
    "fw-version"?: string | undefined;
    out?: string | undefined;
    counter?: string | undefined;
    target?: string | undefined;
    broker?: string | undefined;
    ca?: string | undefined;
    device?: string | undefined;
    "device-secret"?: string | undefined;
    "issued-at"?: string | undefined;
  },
): Promise<number> {
  const path = rest[0];
  const target = values.target ?? "image";
  if (target !== "image" && target !== "moddable") throw new UsageError(`--target must be image or moddable, got ${JSON.stringify(target)}`);
  if (path === undefined || values.board === undefined || (values.key === undefined && target === "image")) throw new UsageError("try hearth build PATH --board B --key FILE");
  const devBoard = target === "moddable" ? moddableBoard(values.board) : undefined;
  if (target === "moddable" && devBoard === undefined) throw new UsageError(`--target moddable builds for the dev boards ${Object.keys(MODDABLE_PLATFORMS).join(", ")}, not ${values.board}`);
  // What the device needs to reach its broker is checked, with where it goes, before anything is built.
  const provisioning = devBoard === undefined ? undefined : provisioningOptions(values);
  const moddableOut = target === "moddable" ? folderOption("--out", values.out ?? `${basename(resolve(path))}-moddable`) : undefined;
  const imageOut = target === "moddable" ? undefined : outFileOption("--out", values.out ?? `${basename(resolve(path))}.hfw`);
  const secretKey = values.key === undefined ? developmentKey().secretKey : signingKeyOption(values.key);
  const versionText = values["fw-version"] ?? "1.0.0";
  if (!/^\d{1,5}\.\d{1,5}\.\d{1,5}$/.test(versionText)) throw new UsageError(`--fw-version must be major.minor.patch, got ${versionText}`);
  const version = versionText.split(".").map(Number) as [number, number, number];
  const { image, sizeByPart, devWiring } = await buildFirmware({
    entry: path,
    board: values.board,
    version,
    securityCounter: intOption("counter", values.counter ?? "0", 0, 0xffffffff),
    secretKey,
    ...(devBoard === undefined ? {} : { devBoard }),
  }).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  if (devBoard !== undefined && provisioning !== undefined) {
    const out = moddableOut as string;
    const { files, platform } = await writeModdableProject(out, image, devBoard, devWiring, provisioning, newKeyPair(secretKey).publicKey);
    console.log(`${out}/: a Moddable project for the ${devBoard.name} (${files.join(", ")}); bundle ${image.bundleBytes} bytes, firmware ${image.version.join(".")}`);
    console.log(`  device ${provisioning.deviceId} on ${provisioning.caDer === undefined ? "mqtt" : "mqtts"}://${provisioning.host}:${provisioning.port}`);
    console.log(`  build and flash it with the Moddable SDK: cd ${out} && mcconfig -d -m -p ${platform} ssid=YOUR_WIFI password=...`);
    return 0;
  }
  const out = imageOut as string;
  writeFileSync(out, image.bytes);
  console.log(`${out}: ${image.bytes.length} bytes (header 96, bundle ${image.bundleBytes}, signature 64), board ${image.board}, version ${image.version.join(".")}`);
  for (const [part, bytes] of Object.entries(sizeByPart).sort((a, b) => b[1] - a[1])) console.log(`  ${part.padEnd(28)} ${String(bytes).padStart(7)} bytes`);
  return 0;
}

/**
 * The secret signing key in FILE. A public key has the same shape (32 bytes
 * of hex), so one named .pub, or held by a .pub beside it, is refused by name:
 * an image signed with it verifies nowhere.
 */
function signingKeyOption(path: string): Uint8Array {
  const text = fileOption("--key", path).toString("utf8").trim();
  const isPublic = path.endsWith(".pub") || readdirSync(dirname(resolve(path))).some((f) => f.endsWith(".pub") && readFileSync(join(dirname(resolve(path)), f), "utf8").trim() === text);
  if (isPublic) throw new UsageError(`--key ${path} is a public key: sign with the secret one (hearth.key)`);
  const key = hexOption("key", text);
  if (key.length !== 32) throw new UsageError(`--key ${path} is not a signing key (64 hex digits, as hearth keys new writes)`);
  return key;
}

/** A dev board's broker, CA and login, each required: a firmware that could not connect is refused at build time. */
function provisioningOptions(values: { broker?: string | undefined; ca?: string | undefined; device?: string | undefined; "device-secret"?: string | undefined; "issued-at"?: string | undefined }): Provisioning {
  if (values.broker === undefined) throw new UsageError("--target moddable needs --broker mqtt://HOST:PORT (or mqtts:// with --ca): the board connects to it");
  const url = new URL(brokerOption(values.broker));
  if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:") throw new UsageError(`the board's MQTT client speaks mqtt:// and mqtts://, not ${url.protocol}//`);
  const tls = url.protocol === "mqtts:";
  if (tls && values.ca === undefined) throw new UsageError("--broker mqtts:// needs --ca FILE, the broker's CA certificate (PEM): the board trusts only it");
  if (!tls && values.ca !== undefined) throw new UsageError("--ca is for an mqtts:// broker; this one is mqtt://");
  if (values.device === undefined) throw new UsageError("--target moddable needs --device ID, the device's id on the link");
  if (values["device-secret"] === undefined) throw new UsageError("--target moddable needs --device-secret HEX: the board logs in with a credential made from it");
  const deviceId = deviceIdOption("device", values.device);
  const secret = hexOption("device-secret", values["device-secret"]);
  const issuedAt = intOption("issued-at", values["issued-at"] ?? "0", 0, Number.MAX_SAFE_INTEGER);
  const caDer = values.ca === undefined ? undefined : pemToDer(fileOption("--ca", values.ca).toString("utf8"), values.ca);
  return { deviceId, host: url.hostname, port: url.port === "" ? (tls ? 8883 : 1883) : Number(url.port), user: deviceId, password: devicePassword(secret, deviceId, issuedAt), ...(caDer === undefined ? {} : { caDer }) };
}

/** The CA certificate of a PEM file, as DER (what the board's TLS takes); Node's X.509 parser checks it is one. */
function pemToDer(pem: string, file: string): Uint8Array {
  try {
    return new Uint8Array(new X509Certificate(pem).raw);
  } catch (error) {
    throw new UsageError(`${file}: not a PEM certificate (${(error as Error).message})`);
  }
}

export async function flashCommand(rest: string[], values: { port?: string | undefined }): Promise<number> {
  const file = rest[0];
  if (file === undefined || values.port === undefined) throw new UsageError("try hearth flash IMAGE --port HOST:PORT");
  if (!isBoardAddress(values.port)) throw new UsageError(`--port ${JSON.stringify(values.port)} is not HOST:PORT (a simulated board) or a serial device (/dev/ttyUSB0, COM3)`);
  const image = new Uint8Array(fileOption("the image", file));
  try {
    checkedImage(image);
  } catch (error) {
    if (error instanceof ImageError) throw new UsageError(`${file} is not a Hearth firmware image: ${error.problem === "bad-magic" ? "it does not begin with HFW1" : error.message}; nothing was sent`);
    throw error;
  }
  const live = process.stdout.isTTY;
  const { board } = await flashImage(values.port, image, (done, total) => {
    const width = 30;
    const bar = "#".repeat(Math.round((done / total) * width)).padEnd(width, ".");
    if (live) process.stdout.write(`\r[${bar}] ${done}/${total} bytes`);
  }).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  process.stdout.write(`${live ? "\n" : ""}flashed ${image.length} bytes to board ${board}: verified, booting\n`);
  return 0;
}

/** The example that runs on each board `hearth board` knows. */
export const BOARD_APPS: Record<string, string> = { "aircon-indoor": "aircon", washer: "washer", fridge: "fridge", vacuum: "vacuum" };

/** What `hearth board` asks the simulator for: one appliance, its board and options. */
export type BoardRun = Omit<SessionOptions, "appliances" | "print" | "interrupted"> & Omit<SessionApplianceSpec, "app">;

export interface BoardArgs {
  pub?: string | undefined;
  flash?: string | undefined;
  port?: string | undefined;
  broker?: string | undefined;
  open?: boolean | undefined;
  speed?: string | undefined;
  device?: string | undefined;
  duration?: string | undefined;
  engine?: Engine;
}

/**
 * A simulated board that runs what is in its flash, as the chip does: its
 * bootloader port takes images from `hearth flash`, its firmware connects to
 * the broker, and updates over the air land in its idle slot.
 */
export async function boardCommand(rest: string[], values: BoardArgs, run: (app: string, options: BoardRun) => Promise<number>): Promise<number> {
  const board = rest[0];
  if (board === undefined || values.pub === undefined) throw new UsageError("try hearth board BOARD --pub FILE [--flash FILE] [--port P] [--broker URL]");
  const app = BOARD_APPS[board];
  if (app === undefined) throw new UsageError(`no simulated board called ${board} (there is: ${Object.keys(BOARD_APPS).join(", ")})`);
  const publicKey = hexOption("pub", fileOption("--pub", values.pub).toString("utf8").trim());
  return run(app, {
    speed: numberOption("speed", values.speed ?? "1", 0.001, 1_000_000),
    seed: 1,
    deviceId: values.device === undefined ? `${board}-1` : deviceIdOption("device", values.device),
    ...(values.broker === undefined ? {} : { brokerUrl: brokerOption(values.broker) }),
    ...(values.open === true ? { open: true } : {}),
    ...(values.flash === undefined ? {} : { flashFile: values.flash }),
    ...(values.duration === undefined ? {} : { durationMs: durationOption(values.duration) }),
    images: { publicKey, serialPort: values.port === undefined ? 0 : intOption("port", values.port, 0, 65535) },
    ...(values.engine === undefined ? {} : { engine: values.engine }),
  });
}

export interface OtaArgs {
  to?: string | undefined;
  share?: string | undefined;
  broker?: string | undefined;
  ca?: string | undefined;
  "cloud-user"?: string | undefined;
  "cloud-password"?: string | undefined;
  "max-failures"?: string | undefined;
}

/** Offers an image to devices over the air and follows them until each is done or failed. */
export async function otaCommand(rest: string[], values: OtaArgs): Promise<number> {
  const file = rest[0];
  if (file === undefined || values.to === undefined) throw new UsageError("try hearth ota IMAGE --to DEVICE[,DEVICE...] [--share 0.1] [--broker URL]");
  const image = new Uint8Array(fileOption("the image", file));
  const devices = deviceListOption("to", values.to);
  const url = brokerOption(values.broker ?? "mqtt://127.0.0.1:1883");
  const share = numberOption("share", values.share ?? "1", 0, 1);
  const shown = maskedUrl(url);
  const user = values["cloud-user"] ?? (decodeURIComponent(new URL(url).username) || undefined);
  let refused!: (error: Error) => void;
  const refusal = new Promise<never>((_, reject) => (refused = reject));
  const cloud = new Cloud(
    new MqttTransport({
      url,
      clientId: `hearth-ota-${randomBytes(6).toString("hex")}`,
      ...(values.ca === undefined ? {} : { ca: fileOption("--ca", values.ca).toString("utf8") }),
      ...(values["cloud-user"] === undefined ? {} : { username: values["cloud-user"], password: values["cloud-password"] ?? "" }),
      onRefused: (reason) => refused(new LoginRefusedError(`the broker at ${shown} refused the cloud's login (${user === undefined ? "no user name: give one in the URL, mqtt://USER:PASSWORD@HOST:PORT" : `user ${JSON.stringify(user)}`}): ${reason}`)),
    }),
  );
  const heard = new Set<string>();
  cloud.onUplink((id) => heard.add(id));
  await withTimeout(Promise.race([cloud.start(), refusal]), 10_000, `cannot reach the broker at ${shown}`).catch(async (error: unknown) => {
    await cloud.stop();
    throw error;
  });
  let rollout;
  try {
    rollout = cloud.rollout({
      image,
      devices,
      share,
      // The same image is the same update: run again, the devices resume where they stopped.
      id: updateIdOf(image),
      ...(values["max-failures"] === undefined ? {} : { maxFailures: intOption("max-failures", values["max-failures"], 1, 1_000_000) }),
    });
  } catch (error) {
    await cloud.stop();
    throw new UsageError((error as Error).message);
  }
  console.log(`update ${rollout.id}: firmware ${rollout.version} (${rollout.size} bytes) to ${rollout.summary().selected} of ${devices.length} devices via ${shown}`);
  console.log("devices that are offline get the offer when they next connect, while this runs: it serves the image.");
  console.log("Ctrl-C stops serving it: devices keep what they downloaded, and run again with the same image, they resume the same update.");
  const last = new Map<string, string>();
  rollout.onProgress((id, u) => {
    const line = u.phase === "downloading" ? `downloading ${Math.floor((100 * u.bytes) / rollout.size)}%` : `${u.phase}${u.detail === "" ? "" : `: ${u.detail}`}`;
    const shown = u.phase === "downloading" ? `downloading ${Math.floor((10 * u.bytes) / rollout.size)}` : line;
    if (last.get(id) === shown) return;
    last.set(id, shown);
    console.log(`  ${id}: ${line}`);
  });
  // A device online answers the offer at once; one that has said nothing after a while is named (offline, or a typo).
  const silence = setTimeout(() => {
    for (const id of devices) if (!heard.has(id)) console.log(`  ${id}: never heard from (offline, or the id is mistyped); it gets the offer if it connects while this runs`);
  }, NEVER_HEARD_MS);
  const stop = new Promise<"interrupt">((resolve) => {
    process.once("SIGINT", () => resolve("interrupt"));
    process.once("SIGTERM", () => resolve("interrupt"));
  });
  const outcome = await Promise.race([rollout.settled(), stop]);
  clearTimeout(silence);
  await cloud.stop();
  if (outcome === "interrupt") {
    const s = rollout.summary();
    console.log(`stopped serving update ${rollout.id}: done ${s.done}, failed ${s.failed}, unfinished ${s.selected - s.done - s.failed}; run the same command again to resume it`);
    return 130;
  }
  console.log(`done ${outcome.done}, failed ${outcome.failed}${outcome.paused ? " (paused: too many failures)" : ""}`);
  return outcome.failed === 0 ? 0 : 1;
}

/** How long `hearth ota` waits for a device to say anything before it names it as never heard from. */
const NEVER_HEARD_MS = 5_000;

/** An update's id from its image: a rerun of the same image offers the same update, which devices resume. */
function updateIdOf(image: Uint8Array): number {
  return new DataView(sha256(image).buffer).getUint32(0);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new UsageError(message)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}
