/*
 * The native binding contract (hal/NATIVE.md, version 1) on Moddable XS for ESP32: IO through
 * ECMA-419's embedded:io classes, time through Time and Timer, flash through a Moddable flash
 * partition, SHA-256 through Digest, MQTT through Moddable's client, provisioning through the
 * manifest's config and Preference. Each function returns a NativeError value rather than
 * throwing, as the contract says. `hearth build --target moddable` copies this file, compiled,
 * into the project as hearth-native.js; it imports nothing of Hearth at run time.
 */
import Analog from "embedded:io/analog";
import Digital from "embedded:io/digital";
import PWM from "embedded:io/pwm";
import Serial from "embedded:io/serial";
import { Digest } from "crypt";
import Flash from "flash";
import config from "mc/config";
import MQTT from "mqtt";
import Preference from "preference";
import Time from "time";
import Timer from "timer";
import type { ImageEngine, NativeBinding, NativeError } from "../native.js";

type Io = Digital | Analog | PWM | Serial;
type TimerId = ReturnType<typeof Timer.set>;

const settings = config.hearth ?? {};
/** Moddable's console: a global of XS on every Moddable platform, not of ES2022. */
const trace = (text: string): void => (globalThis as unknown as { trace(text: string): void }).trace(text);

function fail(error: NativeError["error"], message: string, option?: string): NativeError {
  return option === undefined ? { error, message } : { error, message, option };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function ioError(e: unknown): NativeError {
  const message = messageOf(e);
  return fail(message.includes("in use") ? "pin-in-use" : e instanceof RangeError ? "bad-option" : "io", message);
}

export function bind(engine: Pick<ImageEngine, "wake" | "readable" | "mqtt">): NativeBinding {
  const handles = new Map<number, Io>();
  let nextHandle = 1;
  let wakeTimer: TimerId | undefined;
  let client: MQTT | undefined;
  let subscriptions: string[] = [];
  let watchdogTimer: TimerId | undefined;
  let watchdogMs = 0;
  const flash = new Flash(settings.partition ?? "xs");
  const deviceId = (): string => Preference.get("hearth", "deviceId") ?? settings.deviceId ?? "esp32-1";

  const open = (make: (handle: number) => Io): number | NativeError => {
    try {
      const handle = nextHandle;
      handles.set(handle, make(handle));
      nextHandle++;
      return handle;
    } catch (e) {
      return ioError(e);
    }
  };
  const use = <T>(handle: number, fn: (io: Io) => T): T | NativeError => {
    const io = handles.get(handle);
    if (io === undefined) return fail("closed", `no open IO with handle ${handle}`);
    try {
      return fn(io);
    } catch (e) {
      return ioError(e);
    }
  };
  const flashCall = <T>(fn: () => T): T | NativeError => {
    try {
      return fn();
    } catch (e) {
      return fail("program-failed", messageOf(e));
    }
  };
  const restart = (): void => {
    // ESP-IDF's esp_restart, which Moddable's runtime calls when the VM aborts.
    throw new Error("hearth: restart");
  };

  const native: NativeBinding = {
    version: 1,
    boot() {
      const size = flash.byteLength;
      const part = (offset: number, bytes: number) => ({ offset, size: bytes });
      const sector = flash.blockSize;
      const kv = Math.max(8, Math.floor(size / sector / 2)) * sector;
      return {
        deviceId: deviceId(),
        board: settings.board ?? "esp32",
        firmware: settings.firmware ?? "0.0.0",
        resetReason: 0,
        reverted: false,
        publicKey: new ArrayBuffer(32),
        // Moddable builds the firmware into the ESP32's program: the partition holds storage only.
        layout: { boot: part(0, 0), slotA: part(0, 0), slotB: part(0, 0), kv: part(0, kv), log: part(kv, size - kv) },
        seed: Math.floor(Math.random() * 0x7fffffff),
        updates: false,
      };
    },
    now: () => Time.ticks,
    setWake(at) {
      if (wakeTimer !== undefined) Timer.clear(wakeTimer);
      wakeTimer = undefined;
      if (at < 0) return;
      wakeTimer = Timer.set(() => {
        wakeTimer = undefined;
        engine.wake();
      }, Math.max(0, at - Time.ticks));
    },
    digitalOpen: (pin, mode, edge) => open((handle) => new Digital(edge === 0 ? { pin, mode } : { pin, mode, edge, onReadable: () => engine.readable(handle) })),
    analogOpen(pin) {
      let analog: Analog | undefined;
      const handle = open(() => (analog = new Analog({ pin })));
      return typeof handle === "number" ? { handle, resolution: (analog as Analog).resolution } : handle;
    },
    pwmOpen(pin, hz) {
      let pwm: PWM | undefined;
      const handle = open(() => (pwm = new PWM({ pin, hz })));
      return typeof handle === "number" ? { handle, resolution: (pwm as PWM).resolution, hz: (pwm as PWM).hz ?? hz } : handle;
    },
    serialOpen: (port, baud) => open((handle) => new Serial({ port, baud, format: "buffer", onReadable: () => engine.readable(handle) })),
    ioRead: (handle) => use(handle, (io) => io.read()),
    ioWrite: (handle, value) => use(handle, (io) => void (io as { write(v: number | ArrayBuffer): void }).write(value)),
    ioClose(handle) {
      handles.get(handle)?.close();
      handles.delete(handle);
    },
    flashGeometry: () => ({ sizeBytes: flash.byteLength, sectorBytes: flash.blockSize, programBytes: 16 }),
    flashRead: (offset, length) => flashCall(() => flash.read(offset, length)),
    flashProgram: (offset, data) => flashCall(() => void flash.write(offset, data.byteLength, data)),
    flashErase: (sector) => flashCall(() => void flash.erase(sector)),
    watchdogStart(timeoutMs) {
      if (watchdogMs !== 0) return fail("bad-option", "watchdog: already started", "timeoutMs");
      // A software watchdog on a Timer; the ESP32's own task watchdog also guards the VM's loop.
      watchdogMs = timeoutMs;
      watchdogTimer = Timer.set(restart, timeoutMs);
      return undefined;
    },
    watchdogFeed() {
      if (watchdogTimer !== undefined) Timer.schedule(watchdogTimer, watchdogMs);
    },
    restart,
    random(bytes) {
      const out = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i++) out[i] = Math.floor(Math.random() * 256);
      return out.buffer;
    },
    sha256(data) {
      const digest = new Digest("SHA256");
      digest.write(data);
      return digest.close();
    },
    // No update is installed on this target (boot().updates is false): nothing asks for this.
    ed25519Verify: () => false,
    mqttStart() {
      if (client !== undefined) return;
      const session = new MQTT({
        host: settings.broker ?? "",
        port: settings.port ?? 1883,
        id: deviceId(),
        ...(settings.user ? { user: settings.user } : {}),
        ...(settings.password ? { password: settings.password } : {}),
        keepalive: 30_000,
      });
      client = session;
      session.onReady = () => {
        for (const topic of subscriptions) session.subscribe(topic);
        engine.mqtt("up");
      };
      session.onMessage = (topic, body) => engine.mqtt("message", topic, body);
      session.onClose = () => {
        client = undefined;
        engine.mqtt("down");
        Timer.set(() => native.mqttStart(), 5_000);
      };
    },
    mqttSubscribe(topic) {
      subscriptions = [...subscriptions.filter((t) => t !== topic), topic];
      client?.subscribe(topic);
    },
    mqttPublish(topic, payload) {
      try {
        client?.publish(topic, payload);
      } catch {
        // Not connected: the image sends again what is not acknowledged.
      }
    },
    mqttStop() {
      client?.close();
      client = undefined;
    },
    panic(cause) {
      trace(`hearth: panic: ${cause}\n`);
      restart();
    },
    log(level, task, message) {
      trace(`${level} ${task}: ${message}\n`);
    },
  };
  return native;
}
