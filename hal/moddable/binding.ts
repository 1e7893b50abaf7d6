/*
 * The native binding contract (hal/NATIVE.md, version 2) on Moddable XS for ESP32: IO through
 * ECMA-419's embedded:io classes, time through Time and Timer, flash through ECMA-419's
 * embedded:storage/flash on the partition the build declares (partitions.csv), SHA-256 through
 * Digest, MQTT through ECMA-419's MQTT client (QoS 1, 30 s keep-alive, the protocol's offline
 * will, TLS with the build's CA), restart through System, provisioning through the manifest's
 * config and Preference. Each function returns a NativeError value rather than throwing, as the
 * contract says. `hearth build --target moddable` copies this file, compiled, into the project as
 * hearth-native.js; it imports nothing of Hearth at run time.
 */
import Analog from "embedded:io/analog";
import Digital from "embedded:io/digital";
import I2C from "embedded:io/i2c";
import SPI from "embedded:io/spi";
import PWM from "embedded:io/pwm";
import Serial from "embedded:io/serial";
import flashStorage from "embedded:storage/flash";
import { Digest } from "crypt";
import { verify as ed25519Verify } from "hearth-ed25519";
import network from "hearth-network";
import config from "mc/config";
import Preference from "preference";
import Resource from "Resource";
// Moddable's "system" exports nothing: its body sets globalThis.System (modules/io/system/system.js).
import "system";
import Time from "time";
import Timer from "timer";
import type { ImageEngine, NativeBinding, NativeBootInfo, NativeError } from "../native.js";

/**
 * Moddable's typings leave out close() on Analog, I2C, PWM and SPI, which its esp32 modules have
 * (modules/io/analog/esp32/_analog.js, i2c/_i2c.js, pwm/esp32/_pwm.js, spi/spi.js).
 */
type Closing<T> = T & { close(): void };
type Io = Digital | Closing<Analog> | Closing<PWM> | Serial | ZeroCrossInput | SsrBurst | Closing<I2C> | Closing<SPI>;

/** A dev board's triac: a GPIO into a zero-cross solid-state relay, which itself switches at the crossings. */
const SSR_HALF_CYCLE_MS = 10;

/**
 * Burst control on a dev board: the SSR conducts `on` of every `period` half-cycles as one block
 * per window, timed by Timer (the SSR keeps each switch on a crossing, so it stays whole cycles).
 * The H1 spreads the cycles evenly and fires gates itself; phase-angle control needs that timing
 * in hardware, so here it is refused.
 */
class SsrBurst {
  private readonly output: Digital;
  private timer: TimerId | undefined;
  constructor(pin: number) {
    this.output = new Digital({ pin, mode: 8 /* Output */ });
    this.output.write(0);
  }
  set(mode: number, on: number, period: number): NativeError | undefined {
    if (mode === 1) return fail("bad-option", "Triac: phase-angle control needs a gate fired from the zero crossing in hardware; a dev board's zero-cross SSR can only burst", "mode");
    this.stop();
    if (mode !== 2 || on <= 0) return undefined;
    if (on >= period) return void this.output.write(1);
    const pulse = (): void => {
      this.output.write(1);
      this.timer = Timer.set(() => {
        this.output.write(0);
        this.timer = Timer.set(pulse, (period - on) * SSR_HALF_CYCLE_MS);
      }, on * SSR_HALF_CYCLE_MS);
    };
    pulse();
    return undefined;
  }
  read(): undefined {
    return undefined;
  }
  close(): void {
    this.stop();
    this.output.close();
  }
  private stop(): void {
    if (this.timer !== undefined) Timer.clear(this.timer);
    this.timer = undefined;
    this.output.write(0);
  }
}

/**
 * The mains zero-cross detector on a dev board: an optocoupler's output on a GPIO, both edges
 * timed in JavaScript (Time.ticks, ms) as they come. Unlike the H1's block this costs the image a
 * callback per half-cycle (100 a second at 50 Hz), and its times carry the interrupt's latency.
 */
class ZeroCrossInput {
  private readonly input: Digital;
  private at = 0;
  private crossings = 0;
  private readonly intervals: number[] = [];
  private mains: "ok" | "irregular" | "lost" = "lost";
  private loss: TimerId | undefined;
  constructor(pin: number, changed: () => void) {
    this.input = new Digital({ pin, mode: 0 /* Input */, edge: 3 /* Rising | Falling */, onReadable: () => this.cross(changed) });
  }
  private cross(changed: () => void): void {
    const now = Time.ticks;
    const interval = this.crossings > 0 ? now - this.at : Infinity;
    this.at = now;
    this.crossings++;
    const regular = interval >= 500 / 65 && interval <= 500 / 45;
    if (regular) {
      this.intervals.push(interval);
      if (this.intervals.length > 8) this.intervals.shift();
    } else this.intervals.length = 0;
    const next = regular ? "ok" : this.mains === "lost" ? "lost" : "irregular";
    if (this.loss !== undefined) Timer.clear(this.loss);
    this.loss = Timer.set(() => this.set("lost", changed), Math.ceil(1.5 * (500 / 45)));
    this.set(next, changed);
  }
  private set(state: "ok" | "irregular" | "lost", changed: () => void): void {
    if (state === "lost") this.loss = undefined;
    if (state === this.mains) return;
    this.mains = state;
    changed();
  }
  read(): { at: number; crossings: number; hz: number; mains: string } {
    const half = this.intervals.reduce((a, b) => a + b, 0) / (this.intervals.length || 1);
    return { at: this.at, crossings: this.crossings, hz: this.mains === "lost" || this.intervals.length === 0 ? 0 : 500 / half, mains: this.mains };
  }
  close(): void {
    if (this.loss !== undefined) Timer.clear(this.loss);
    this.input.close();
  }
}
type TimerId = ReturnType<typeof Timer.set>;
type FlashLayout = NativeBootInfo["layout"];
type Client = InstanceType<(typeof network)["io"]>;

/** The manifest's `config.hearth`, written by `hearth build --target moddable` (Moddable types mc/config as any record). */
interface HearthSettings {
  board?: string;
  firmware?: string;
  deviceId?: string;
  broker?: string;
  port?: number;
  user?: string;
  password?: string;
  /** Connect with TLS, trusting the CA in the resource hearth-ca.der. */
  tls?: boolean;
  partition?: string;
  /** Where the boot state, the two image slots, the kv store and the log are in the partition (hearth build's HEARTH_LAYOUT). */
  layout?: FlashLayout;
  /** The Ed25519 key images are signed with, 64 hex digits. */
  publicKey?: string;
  /** Each UART the board wires: its TX and RX pins. */
  uarts?: Record<string, { tx: number; rx: number }>;
}
const settings = (config["hearth"] as HearthSettings | undefined) ?? {};
/** The protocol's offline message (sdk/protocol/PROTOCOL.md section 4: [8, 0, null]), the will. */
const OFFLINE = Uint8Array.of(0x83, 0x08, 0x00, 0xf6).buffer;
const KEEPALIVE_MS = 30_000;

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
  let watchdogTimer: TimerId | undefined;
  let watchdogMs = 0;
  /** After a panic the image runs no more: no entry point is called, nothing it asks is done. */
  let halted = false;
  const flash = flashStorage.open({ path: settings.partition ?? "hearth" });
  const geometry = flash.status();
  const deviceId = (): string => {
    // A preference may hold any type; only a string names the device.
    const stored = Preference.get("hearth", "deviceId");
    return typeof stored === "string" ? stored : (settings.deviceId ?? "");
  };
  const call = (fn: () => void): void => {
    if (!halted) fn();
  };

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
  const flashCall = <T>(code: NativeError["error"], fn: () => T): T | NativeError => {
    try {
      return fn();
    } catch (e) {
      return fail(code, messageOf(e));
    }
  };
  const inRange = (offset: number, length: number): NativeError | undefined =>
    offset < 0 || length < 0 || offset + length > geometry.size ? fail("out-of-range", `flash: ${length} bytes at ${offset} is outside the ${geometry.size}-byte partition`) : undefined;

  // MQTT: one session at a time, reconnecting with backoff until mqttStop.
  let client: Client | undefined;
  let connected = false;
  let wanted = false;
  let backoffMs = 1_000;
  let retry: TimerId | undefined;
  let subscriptions: string[] = [];
  let incoming: { topic: string; parts: ArrayBuffer[] } | undefined;
  const Mqtt = network.io;
  const connect = (): void => {
    retry = undefined;
    if (!wanted || halted) return;
    const id = deviceId();
    const socket = settings.tls === true ? { ...network.socket, secure: { certificate: new Resource("hearth-ca.der") } } : network.socket;
    try {
      client = new Mqtt({
        ...network,
        socket,
        host: settings.broker ?? "",
        port: settings.port ?? 1883,
        id,
        clean: true,
        keepAlive: KEEPALIVE_MS,
        will: { topic: `h/${id}/u`, message: OFFLINE, QoS: 1, retain: false },
        ...(settings.user ? { user: settings.user } : {}),
        ...(settings.password ? { password: settings.password } : {}),
        onControl(message: { operation: number }) {
          if (message.operation !== Mqtt.CONNACK) return;
          connected = true;
          backoffMs = 1_000;
          for (const topic of subscriptions) subscribe(topic);
          call(() => engine.mqtt("up"));
        },
        onReadable(this: Client, count: number, options: { topic?: string; more?: boolean }) {
          if (options.topic !== undefined) incoming = { topic: options.topic, parts: [] };
          const part = this.read(count);
          if (incoming === undefined || part === undefined) return;
          incoming.parts.push(part);
          if (options.more === true) return;
          const { topic, parts } = incoming;
          incoming = undefined;
          call(() => engine.mqtt("message", topic, join(parts)));
        },
        onClose: () => lost(),
        onError: () => lost(),
      });
    } catch (e) {
      trace(`warn link: cannot connect to ${settings.broker ?? "(no broker)"}: ${messageOf(e)}\n`);
      lost();
    }
  };
  const lost = (): void => {
    const was = connected;
    connected = false;
    incoming = undefined;
    const old = client;
    client = undefined;
    try {
      old?.close();
    } catch {
      // Already closed.
    }
    if (was) call(() => engine.mqtt("down"));
    if (wanted && retry === undefined) {
      retry = Timer.set(connect, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 60_000);
    }
  };
  const subscribe = (topic: string): void => {
    if (connected) client?.write(null, { operation: Mqtt.SUBSCRIBE, items: [{ topic, QoS: 1 }] });
  };

  const restart = (): void => {
    // Once the current call has returned, as the contract says: ESP-IDF's esp_restart.
    Timer.set(() => System.restart(), 0);
  };

  const native: NativeBinding = {
    version: 2,
    boot() {
      // The layout hearth build wrote, where it fits the partition; without one (or a key), storage only and no updates.
      const layout = settings.layout;
      const fits = layout !== undefined && Object.values(layout).every((p) => p.offset >= 0 && p.size >= 0 && p.offset + p.size <= geometry.size && p.offset % geometry.blockLength === 0);
      const key = publicKeyOf(settings.publicKey);
      const sector = geometry.blockLength;
      const kv = Math.max(8, Math.floor(geometry.size / sector / 2)) * sector;
      const none = { offset: 0, size: 0 };
      return {
        deviceId: deviceId(),
        board: settings.board ?? "",
        // The program's image; when a mod runs, hearth-boot says its version instead (sdk/device/runtime/mod-boot.ts).
        firmware: settings.firmware ?? "0.0.0",
        resetReason: 0,
        reverted: false,
        publicKey: key ?? new ArrayBuffer(32),
        layout: fits ? (layout as FlashLayout) : { boot: none, slotA: none, slotB: none, kv: { offset: 0, size: kv }, log: { offset: kv, size: geometry.size - kv } },
        seed: Math.floor(Math.random() * 0x7fffffff),
        updates: fits && key !== undefined && (layout as FlashLayout).slotA.size > 0,
      };
    },
    now: () => Time.ticks,
    setWake(at) {
      if (wakeTimer !== undefined) Timer.clear(wakeTimer);
      wakeTimer = undefined;
      if (at < 0 || halted) return;
      wakeTimer = Timer.set(() => {
        wakeTimer = undefined;
        call(() => engine.wake());
      }, Math.max(0, at - Time.ticks));
    },
    digitalOpen: (pin, mode, edge) => open((handle) => new Digital(edge === 0 ? { pin, mode } : { pin, mode, edge, onReadable: () => call(() => engine.readable(handle)) })),
    analogOpen(pin) {
      let analog: Analog | undefined;
      const handle = open(() => (analog = new Analog({ pin })) as Closing<Analog>);
      return typeof handle === "number" ? { handle, resolution: (analog as Analog).resolution } : handle;
    },
    pwmOpen(pin, hz) {
      let pwm: PWM | undefined;
      const handle = open(() => (pwm = new PWM({ pin, hz })) as Closing<PWM>);
      return typeof handle === "number" ? { handle, resolution: (pwm as PWM).resolution, hz: (pwm as PWM).hz ?? hz } : handle;
    },
    serialOpen(port, baud) {
      // The board's wiring gives each UART its pins (manifest config.hearth.uarts, from boards/dev).
      const pins = settings.uarts?.[String(port)];
      if (pins === undefined) return fail("unknown-pin", `Serial: UART ${port} is not wired on this board`);
      return open((handle) => new Serial({ port, baud, transmit: pins.tx, receive: pins.rx, format: "buffer", onReadable: () => call(() => engine.readable(handle)) }));
    },
    zeroCrossOpen: (pin) => open((handle) => new ZeroCrossInput(pin, () => call(() => engine.readable(handle)))),
    // ECMA-419 has no gate driver fired from a zero crossing by hardware: the load is on a zero-cross SSR.
    triacOpen(pin) {
      const handle = open(() => new SsrBurst(pin));
      return typeof handle === "number" ? { handle, resolutionUs: SSR_HALF_CYCLE_MS * 1000 } : handle;
    },
    triacWrite: (handle, mode, a, b) => use(handle, (io) => (io instanceof SsrBurst ? io.set(mode, a, b) : fail("bad-option", `handle ${handle} is not a triac`, "handle"))),
    // No segment driver or capacitive key block behind ECMA-419 on a dev board: refused, plainly.
    // ECMA-419's own I2C and SPI: the calls map one to one (SPI's transfer works in place).
    i2cOpen: (data, clock, hz, address) => open(() => new I2C({ data, clock, hz, address }) as Closing<I2C>),
    i2cRead: (handle, count, stop) => use(handle, (io) => (io as I2C).read(count, stop !== 0)),
    i2cWrite: (handle, data, stop) => use(handle, (io) => void (io as I2C).write(data, stop !== 0)),
    spiOpen: (out, input, clock, select, hz, mode) => open(() => new SPI({ out, in: input, clock, select, hz, mode }) as Closing<SPI>),
    spiTransfer: (handle, data) =>
      use(handle, (io) => {
        const buffer = data.slice(0);
        (io as SPI).transfer(buffer);
        return buffer;
      }),
    motorOpen: () => fail("io", "Motor: an ESP32 dev board has no BLDC controller in this binding (the H1 has one); a BLDC driver board with a speed input and analog readbacks is wired as PWM and ADC parts instead"),
    motorWrite: (handle) => fail("closed", `no open motor with handle ${handle}`),
    displayOpen: () => fail("io", "Display: an ESP32 dev board has no seven-segment driver in this binding (the H1 has one); a firmware that needs its panel runs on the H1 or the simulator"),
    displayWrite: (handle) => fail("closed", `no open display with handle ${handle}`),
    touchKeysOpen: () => fail("io", "TouchKeys: an ESP32 dev board has no touch key block in this binding (the H1 has six keys); a firmware that needs its panel runs on the H1 or the simulator"),
    ioRead: (handle) => use(handle, (io) => (io as { read(): unknown }).read() as number | ArrayBuffer | undefined),
    ioWrite: (handle, value) => use(handle, (io) => void (io as { write(v: number | ArrayBuffer): void }).write(value)),
    ioClose(handle) {
      handles.get(handle)?.close();
      handles.delete(handle);
    },
    flashGeometry: () => ({ sizeBytes: geometry.size, sectorBytes: geometry.blockLength, programBytes: 16 }),
    flashRead: (offset, length) => inRange(offset, length) ?? flashCall("read-failed", () => flash.read(length, offset)),
    flashProgram: (offset, data) => inRange(offset, data.byteLength) ?? flashCall("program-failed", () => void flash.write(data, offset)),
    flashErase: (sector) => (sector < 0 || sector >= geometry.size / geometry.blockLength ? fail("out-of-range", `flash: no sector ${sector}`) : flashCall("erase-failed", () => void flash.eraseBlock(sector, sector + 1))),
    watchdogStart(timeoutMs) {
      if (watchdogMs !== 0) return fail("bad-option", "watchdog: already started", "timeoutMs");
      if (!(timeoutMs > 0)) return fail("bad-option", `watchdog: timeout must be above 0 ms, got ${timeoutMs}`, "timeoutMs");
      // A software watchdog on a Timer (ESP-IDF's task watchdog also guards the VM's loop).
      watchdogMs = timeoutMs;
      watchdogTimer = Timer.set(() => System.restart(), timeoutMs);
      return undefined;
    },
    watchdogFeed() {
      if (watchdogTimer !== undefined && !halted) Timer.schedule(watchdogTimer, watchdogMs);
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
    // In JavaScript (hearth-ed25519.js: @noble/curves, SHA-512 from Moddable's crypt): Moddable has no Ed25519 in C.
    ed25519Verify: (signature, message, publicKey) => ed25519Verify(signature, message, publicKey),
    mqttStart() {
      if (wanted || halted) return;
      wanted = true;
      connect();
    },
    mqttSubscribe(topic) {
      subscriptions = [...subscriptions.filter((t) => t !== topic), topic];
      subscribe(topic);
    },
    mqttPublish(topic, payload) {
      if (!connected || halted) return; // not connected: dropped, and the image sends again what is not acknowledged
      try {
        client?.write(payload, { topic, QoS: 1 });
      } catch {
        lost();
      }
    },
    mqttStop() {
      wanted = false;
      if (retry !== undefined) Timer.clear(retry);
      retry = undefined;
      lost();
    },
    panic(cause) {
      // The image stops at once: nothing more of it runs. The watchdog resets the chip; without one, a reset now.
      trace(`error engine: panic: ${cause}\n`);
      halted = true;
      if (wakeTimer !== undefined) Timer.clear(wakeTimer);
      wanted = false;
      lost();
      if (watchdogTimer === undefined) restart();
    },
    log(level, task, message) {
      trace(`${level} ${task}: ${message}\n`);
    },
  };
  return native;
}

/**
 * XS's mod partition (ESP-IDF type 0x40, subtype 1: the one XS maps an archive from at boot), which
 * ECMA-419's flash opens as "xs"; undefined when the partition table has none. hearth-boot copies
 * the archive of the image that is to run into it (sdk/device/runtime/mod-boot.ts).
 */
export function modPartition(): { size: number; blockBytes: number; read(offset: number, length: number): ArrayBuffer; write(offset: number, data: ArrayBuffer): void; eraseBlock(block: number): void } | undefined {
  let mods: ReturnType<typeof flashStorage.open>;
  try {
    mods = flashStorage.open({ path: "xs" });
  } catch {
    return undefined;
  }
  const status = mods.status();
  return {
    size: status.size,
    blockBytes: status.blockLength,
    read: (offset, length) => mods.read(length, offset),
    write: (offset, data) => mods.write(data, offset),
    eraseBlock: (block) => mods.eraseBlock(block, block + 1),
  };
}

/** The key in the manifest's config (64 hex digits) as bytes; undefined if it is not one. */
function publicKeyOf(hex: string | undefined): ArrayBuffer | undefined {
  if (hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  const key = new Uint8Array(32);
  for (let i = 0; i < 32; i++) key[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return key.buffer;
}

function join(parts: readonly ArrayBuffer[]): ArrayBuffer {
  if (parts.length === 1) return parts[0] as ArrayBuffer;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out.buffer;
}
