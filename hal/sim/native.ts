import { sha256 } from "@noble/hashes/sha2.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { FlashError } from "../flash.js";
import { HalError } from "../errors.js";
import type { Analog, Digital, PWM, Serial } from "../io.js";
import type { Display, KeyEvent, TouchKeys } from "../panel-io.js";
import type { Motor, MotorReading } from "../motor-io.js";
import type { I2C, SPI } from "../bus-io.js";
import { triacFromNumbers, type Triac, type ZeroCross, type ZeroCrossReading } from "../mains-io.js";
import { NATIVE_VERSION, type NativeBinding, type NativeBootInfo, type NativeError } from "../native.js";
import type { SimulatedH1 } from "./h1-sim.js";

type SimIO = Digital | Analog | PWM | Serial | ZeroCross | Triac | Display | TouchKeys | Motor | I2C | SPI;

/**
 * The board's network as the simulated chip's MQTT client sees it: a session
 * that carries frames on topics (the SDK's link Transport has this shape).
 */
export interface SimMqttSession {
  start(events: { up(): void; down(reason: string): void; message(topic: string, payload: Uint8Array): void }): void;
  publish(topic: string, payload: Uint8Array): void;
  subscribe(topic: string): void;
  stop(): Promise<void>;
}

/** The chip's timer: its time base, and one wake-up (a channel of the OS's virtual clock fits). */
export interface SimTimer {
  now(): number;
  requestWake(at: number | undefined): void;
}

/** How the simulated chip reaches into the running image (the engine's entry points). */
export interface EngineCalls {
  readable(handle: number): void;
  mqtt(event: "up" | "down" | "message", topic?: string, payload?: ArrayBuffer): void;
}

export interface SimulatedNativeOptions {
  h1: SimulatedH1;
  channel: SimTimer;
  info: NativeBootInfo;
  /** The TRNG: a uniform integer in [min, max] (seeded, so runs replay). */
  random: { int(min: number, max: number): number };
  /** A new connection to the broker the board is provisioned for; undefined: none. */
  transport: (() => SimMqttSession) | undefined;
  engine: EngineCalls;
  log: (level: string, task: string, message: string) => void;
  /** The image asked to be stopped (hal/native.ts `panic`). */
  panic: (cause: string) => void;
}

/**
 * The native binding contract (hal/NATIVE.md) as the simulated H1 provides
 * it: each function over the simulated peripherals, the flash model, the
 * board's clock and an MQTT transport. This is what a chip vendor writes in
 * C. Failures come back as NativeError values, never as exceptions.
 */
export class SimulatedNative implements NativeBinding {
  readonly version = NATIVE_VERSION;
  private readonly handles = new Map<number, SimIO>();
  private nextHandle = 1;
  private transport: SimMqttSession | undefined;
  private wantsMqtt = false;

  constructor(private readonly o: SimulatedNativeOptions) {}

  /** The board is provisioned for a broker (now, or again): a connection the image asked for starts. */
  provision(transport: () => SimMqttSession): void {
    this.o.transport = transport;
    if (this.wantsMqtt) this.mqttStart();
  }

  boot(): NativeBootInfo {
    return this.o.info;
  }
  now(): number {
    return this.o.channel.now();
  }
  setWake(at: number): void {
    this.o.channel.requestWake(at < 0 ? undefined : at);
  }

  digitalOpen(pin: number, mode: number, edge: number): number | NativeError {
    return this.open(() => {
      const handle = this.nextHandle;
      return new this.o.h1.io.Digital({
        pin,
        mode: mode as never,
        ...(edge === 0 ? {} : { edge: edge as never, onReadable: () => this.o.engine.readable(handle) }),
      });
    });
  }
  analogOpen(pin: number): { handle: number; resolution: number } | NativeError {
    let analog: Analog | undefined;
    const handle = this.open(() => (analog = new this.o.h1.io.Analog({ pin })));
    return typeof handle === "number" ? { handle, resolution: (analog as Analog).resolution } : handle;
  }
  pwmOpen(pin: number, hz: number): { handle: number; resolution: number; hz: number } | NativeError {
    let pwm: PWM | undefined;
    const handle = this.open(() => (pwm = new this.o.h1.io.PWM({ pin, hz })));
    return typeof handle === "number" ? { handle, resolution: (pwm as PWM).resolution, hz: (pwm as PWM).hz } : handle;
  }
  serialOpen(port: number, baud: number): number | NativeError {
    return this.open(() => {
      const handle = this.nextHandle;
      return new this.o.h1.io.Serial({ port, baud, onReadable: () => this.o.engine.readable(handle) });
    });
  }
  zeroCrossOpen(pin: number): number | NativeError {
    return this.open(() => {
      const handle = this.nextHandle;
      return new this.o.h1.io.ZeroCross({ pin, onReadable: () => this.o.engine.readable(handle) });
    });
  }
  triacOpen(pin: number): { handle: number; resolutionUs: number } | NativeError {
    let triac: Triac | undefined;
    const handle = this.open(() => (triac = new this.o.h1.io.Triac({ pin })));
    return typeof handle === "number" ? { handle, resolutionUs: (triac as Triac).resolutionUs } : handle;
  }
  triacWrite(handle: number, mode: number, a: number, b: number): NativeError | undefined {
    return this.io(handle, (io) => {
      if (!("resolutionUs" in io) || io.format !== "object") throw new HalError("bad-option", `triacWrite: handle ${handle} is not a triac gate`, "handle");
      io.write(triacFromNumbers(mode, a, b));
      return undefined;
    });
  }
  displayOpen(brightness: number): number | NativeError {
    return this.open(() => new this.o.h1.io.Display({ brightness }));
  }
  displayWrite(handle: number, text: string, blink: number, brightness: number, indicators: number): NativeError | undefined {
    return this.io(handle, (io) => {
      if (!("digits" in io)) throw new HalError("bad-option", `displayWrite: handle ${handle} is not the display`, "handle");
      io.write({ text, blink: blink === 1, brightness, indicators });
      return undefined;
    });
  }
  touchKeysOpen(longPressMs: number, repeatKeys: number, repeatMs: number): number | NativeError {
    return this.open(() => {
      const handle = this.nextHandle;
      return new this.o.h1.io.TouchKeys({ longPressMs, repeatKeys, repeatMs, onReadable: () => this.o.engine.readable(handle) });
    });
  }
  motorOpen(rampRpmPerS: number, currentLimitA: number): { handle: number; maxRpm: number } | NativeError {
    let motor: Motor | undefined;
    const handle = this.open(() => {
      const h = this.nextHandle;
      return (motor = new this.o.h1.io.Motor({ rampRpmPerS, currentLimitA, onError: () => this.o.engine.readable(h) }));
    });
    return typeof handle === "number" ? { handle, maxRpm: (motor as Motor).maxRpm } : handle;
  }
  motorWrite(handle: number, rpm: number, direction: number, brake: number): NativeError | undefined {
    return this.io(handle, (io) => {
      if (!("maxRpm" in io)) throw new HalError("bad-option", `motorWrite: handle ${handle} is not the motor`, "handle");
      io.write(brake === 1 ? { brake: true } : direction === 0 ? { rpm } : { rpm, direction: direction as 1 | -1 });
      return undefined;
    });
  }
  i2cOpen(data: number, clock: number, hz: number, address: number): number | NativeError {
    return this.open(() => new this.o.h1.io.I2C({ data, clock, hz, address }));
  }
  i2cRead(handle: number, count: number, stop: number): ArrayBuffer | NativeError {
    return this.io(handle, (io) => (io as I2C).read(count, stop !== 0));
  }
  i2cWrite(handle: number, data: ArrayBuffer, stop: number): NativeError | undefined {
    return this.io(handle, (io) => void (io as I2C).write(data, stop !== 0));
  }
  spiOpen(out: number, input: number, clock: number, select: number, hz: number, mode: number): number | NativeError {
    return this.open(() => new this.o.h1.io.SPI({ out, in: input, clock, select, hz, mode }));
  }
  spiTransfer(handle: number, data: ArrayBuffer): ArrayBuffer | NativeError {
    return this.io(handle, (io) => (io as SPI).transfer(data));
  }
  ioRead(handle: number): number | ArrayBuffer | ZeroCrossReading | KeyEvent | MotorReading | undefined | NativeError {
    return this.io(handle, (io) => {
      const value = (io as { read(): ArrayBuffer | number | ZeroCrossReading | KeyEvent | MotorReading | undefined }).read();
      return value instanceof ArrayBuffer ? value.slice(0) : value;
    });
  }
  ioWrite(handle: number, value: number | ArrayBuffer): NativeError | undefined {
    return this.io(handle, (io) => void (io as { write(v: number | ArrayBuffer): void }).write(value));
  }
  ioClose(handle: number): void {
    this.handles.get(handle)?.close();
    this.handles.delete(handle);
  }

  flashGeometry(): { sizeBytes: number; sectorBytes: number; programBytes: number } {
    const f = this.o.h1.flash;
    return { sizeBytes: f.sizeBytes, sectorBytes: f.sectorBytes, programBytes: f.programBytes };
  }
  flashRead(offset: number, length: number): ArrayBuffer | NativeError {
    return this.flash(() => this.o.h1.flash.read(offset, length).slice().buffer);
  }
  flashProgram(offset: number, data: ArrayBuffer): NativeError | undefined {
    return this.flash(() => {
      this.o.h1.flash.program(offset, new Uint8Array(data));
      return undefined;
    });
  }
  flashErase(sector: number): NativeError | undefined {
    return this.flash(() => {
      this.o.h1.flash.erase(sector);
      return undefined;
    });
  }

  watchdogStart(timeoutMs: number): NativeError | undefined {
    try {
      this.o.h1.chip.watchdog.start(timeoutMs);
      return undefined;
    } catch (error) {
      return halError(error);
    }
  }
  watchdogFeed(): void {
    this.o.h1.chip.watchdog.feed();
  }
  restart(): void {
    this.o.h1.chip.restart();
  }
  random(bytes: number): ArrayBuffer {
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) out[i] = this.o.random.int(0, 255);
    return out.buffer;
  }
  sha256(data: ArrayBuffer): ArrayBuffer {
    return sha256(new Uint8Array(data)).slice().buffer;
  }
  ed25519Verify(signature: ArrayBuffer, message: ArrayBuffer, publicKey: ArrayBuffer): boolean {
    try {
      return ed25519.verify(new Uint8Array(signature), new Uint8Array(message), new Uint8Array(publicKey));
    } catch {
      return false;
    }
  }

  mqttStart(): void {
    this.wantsMqtt = true;
    if (this.o.transport === undefined || this.transport !== undefined) return;
    this.transport = this.o.transport();
    this.transport.start({
      up: () => this.o.engine.mqtt("up"),
      down: () => this.o.engine.mqtt("down"),
      message: (topic, payload) => this.o.engine.mqtt("message", topic, payload.slice().buffer),
    });
  }
  mqttSubscribe(topic: string): void {
    this.transport?.subscribe(topic);
  }
  mqttPublish(topic: string, payload: ArrayBuffer): void {
    this.transport?.publish(topic, new Uint8Array(payload));
  }
  mqttStop(): void {
    this.wantsMqtt = false;
    void this.transport?.stop();
    this.transport = undefined;
  }
  log(level: string, task: string, message: string): void {
    this.o.log(level, task, message);
  }
  panic(cause: string): void {
    this.o.panic(cause);
  }

  /** The chip stops: every peripheral released, the connection dropped. */
  shutdown(): void {
    for (const io of this.handles.values()) io.close();
    this.handles.clear();
    this.mqttStop();
  }

  private open(make: () => SimIO): number | NativeError {
    try {
      const io = make();
      const handle = this.nextHandle++;
      this.handles.set(handle, io);
      return handle;
    } catch (error) {
      return halError(error);
    }
  }

  private io<T>(handle: number, fn: (io: SimIO) => T): T | NativeError {
    const io = this.handles.get(handle);
    if (io === undefined) return { error: "closed", message: `no open IO with handle ${handle}` };
    try {
      return fn(io);
    } catch (error) {
      return halError(error);
    }
  }

  private flash<T>(fn: () => T): T | NativeError {
    try {
      return fn();
    } catch (error) {
      if (error instanceof FlashError) return { error: error.kind, message: error.message };
      throw error;
    }
  }
}

function halError(error: unknown): NativeError {
  if (error instanceof HalError) return error.option === undefined ? { error: error.code, message: error.message } : { error: error.code, message: error.message, option: error.option };
  return { error: "io", message: error instanceof Error ? error.message : String(error) };
}
