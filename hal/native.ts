import type { FlashLayout } from "./h1.js";
import type { ZeroCrossReading } from "./mains-io.js";
import type { KeyEvent } from "./panel-io.js";
import type { MotorReading } from "./motor-io.js";

/**
 * The native binding contract (hal/NATIVE.md): the functions an engine on a
 * chip provides to a firmware image, and the entry points an image gives the
 * engine. Everything that crosses is a number, a string, a boolean, an
 * ArrayBuffer, undefined, or a plain object or array of those, so any engine
 * (QuickJS, XS, a C binding) can carry it. A function that cannot do what is
 * asked returns a NativeError instead of its result, and changes nothing.
 */
export const NATIVE_VERSION = 2;

export interface NativeError {
  readonly error: string;
  readonly message: string;
  /** The option at fault, for IO errors. */
  readonly option?: string;
}

/** What the chip tells the image as it starts it. */
export interface NativeBootInfo {
  readonly deviceId: string;
  readonly board: string;
  /** The firmware version of the running image (from its header). */
  readonly firmware: string;
  /** ResetReason's number. */
  readonly resetReason: number;
  /** The bootloader went back to the old image at this boot (the new one never confirmed). */
  readonly reverted: boolean;
  /** The key images are signed with (32 bytes). */
  readonly publicKey: ArrayBuffer;
  readonly layout: FlashLayout;
  /** A seed for the image's random generator (from the TRNG). */
  readonly seed: number;
  /** The chip boots images from the layout's slots, so the image may update itself. False where it has none. Default true. */
  readonly updates?: boolean;
}

export interface NativeBinding {
  readonly version: number;
  boot(): NativeBootInfo;

  /** Monotonic milliseconds since the chip started. */
  now(): number;
  /** Call the image's `wake` at time `at` (of `now`) or as soon after as possible; a negative `at` cancels. One request at a time. */
  setWake(at: number): void;

  /** Opens a GPIO; mode and edge are DigitalMode and Edge's numbers (edge 0: none). Returns a handle. */
  digitalOpen(pin: number, mode: number, edge: number): number | NativeError;
  analogOpen(pin: number): { handle: number; resolution: number } | NativeError;
  pwmOpen(pin: number, hz: number): { handle: number; resolution: number; hz: number } | NativeError;
  serialOpen(port: number, baud: number): number | NativeError;
  /** Version 2: the mains zero-cross detector (hal/MAINS.md); the image's `readable(handle)` on each change of the mains' state. */
  zeroCrossOpen(pin: number): number | NativeError;
  /** Version 2: a triac gate driver, off until written; `resolutionUs` its timing step. */
  triacOpen(pin: number): { handle: number; resolutionUs: number } | NativeError;
  /** Version 2: a gate's setting from its next positive-going crossing: mode 0 off, 1 phase (a: conduction angle), 2 burst (a: on, b: period, half-cycles). */
  triacWrite(handle: number, mode: number, a: number, b: number): NativeError | undefined;
  /** Version 2: the segment display driver (hal/PANEL.md), blank, at `brightness` 0..7. */
  displayOpen(brightness: number): number | NativeError;
  /** Version 2: what the display shows: `text` (up to 4 characters and their points), blink 0 or 1, brightness 0..7, indicators (bit n: LED n). */
  displayWrite(handle: number, text: string, blink: number, brightness: number, indicators: number): NativeError | undefined;
  /** Version 2: the touch key block; the image's `readable(handle)` when a key event is queued. */
  touchKeysOpen(longPressMs: number, repeatKeys: number, repeatMs: number): number | NativeError;
  /** Version 2: the BLDC controller (hal/MOTOR.md), stopped; the image's `readable(handle)` when it trips a fault. */
  motorOpen(rampRpmPerS: number, currentLimitA: number): { handle: number; maxRpm: number } | NativeError;
  /** Version 2: a speed command (rpm, direction 1 or -1) or, with brake 1, the brake. */
  motorWrite(handle: number, rpm: number, direction: number, brake: number): NativeError | undefined;
  /** Version 2: an I2C controller for the device at `address` (hal/BUS.md). */
  i2cOpen(data: number, clock: number, hz: number, address: number): number | NativeError;
  /** Version 2: reads `count` bytes; `stop` 0 keeps the transaction open for a repeated start. */
  i2cRead(handle: number, count: number, stop: number): ArrayBuffer | NativeError;
  i2cWrite(handle: number, data: ArrayBuffer, stop: number): NativeError | undefined;
  /** Version 2: an SPI controller for the device on `select`; `mode` 0..3. */
  spiOpen(out: number, input: number, clock: number, select: number, hz: number, mode: number): number | NativeError;
  /** Version 2: clocks `data` out with select low, and returns what came in, as many bytes. */
  spiTransfer(handle: number, data: ArrayBuffer): ArrayBuffer | NativeError;
  /** Digital: 0 or 1; analog: counts; serial: the bytes waiting (undefined: none); zero-cross: its reading; keys: the oldest event (undefined: none); motor: its reading. */
  ioRead(handle: number): number | ArrayBuffer | ZeroCrossReading | KeyEvent | MotorReading | undefined | NativeError;
  /** Digital: 0 or 1; PWM: duty; serial: bytes. */
  ioWrite(handle: number, value: number | ArrayBuffer): NativeError | undefined;
  ioClose(handle: number): void;

  flashGeometry(): { sizeBytes: number; sectorBytes: number; programBytes: number };
  flashRead(offset: number, length: number): ArrayBuffer | NativeError;
  flashProgram(offset: number, data: ArrayBuffer): NativeError | undefined;
  flashErase(sector: number): NativeError | undefined;

  watchdogStart(timeoutMs: number): NativeError | undefined;
  watchdogFeed(): void;
  /** Resets the chip once the current call returns. */
  restart(): void;

  random(bytes: number): ArrayBuffer;
  sha256(data: ArrayBuffer): ArrayBuffer;
  ed25519Verify(signature: ArrayBuffer, message: ArrayBuffer, publicKey: ArrayBuffer): boolean;

  /** Connects to the broker the chip is provisioned for, as this device; events come to the image's `mqtt`. */
  mqttStart(): void;
  mqttSubscribe(topic: string): void;
  mqttPublish(topic: string, payload: ArrayBuffer): void;
  mqttStop(): void;

  /**
   * The image cannot go on (it ran out of memory): the chip stops running it
   * at once, reports `cause`, and leaves the rest to its watchdog.
   */
  panic(cause: string): void;

  /** A log record, for the chip's console (UART). */
  log(level: string, task: string, message: string): void;
}

/**
 * What an image exports as `engine`: the engine calls these, one at a time,
 * on the image's single thread, and runs pending promise jobs after each.
 */
export interface ImageEngine {
  start(native: NativeBinding): void;
  /** The time asked for with setWake has come. */
  wake(): void;
  /** An input's selected edge, or serial data to read, on this handle. */
  readable(handle: number): void;
  mqtt(event: "up" | "down" | "message", topic?: string, payload?: ArrayBuffer): void;
  /** For a simulator's console only: the device's state and link, as JSON. */
  inspect(): string;
}

/** How an engine carries one parameter across: n a number, s a string, b bytes (ArrayBuffer), nb either a number or bytes. */
export type ArgKind = "n" | "s" | "b" | "nb";

/** The kind of one parameter type: what the table below must say for it. */
type KindOf<T> = [T] extends [number] ? "n" : [T] extends [string] ? "s" : [T] extends [ArrayBuffer] ? "b" : [T] extends [number | ArrayBuffer] ? "nb" : never;
type KindsOf<P extends readonly unknown[]> = { readonly [I in keyof P]: KindOf<P[I]> };
/** Each function's parameter kinds, derived from NativeBinding: the table cannot drift from the interface without a compile error. */
export type NativeSignatures = { readonly [K in keyof Omit<NativeBinding, "version">]: KindsOf<Parameters<NativeBinding[K]>> };

/**
 * Every native function by name, with its parameters' kinds, in the order
 * engines number them (XS's shim calls by opcode: the index here). Declared
 * beside the interface and checked against it (`satisfies NativeSignatures`).
 */
export const NATIVE_SIGNATURES = {
  boot: [],
  now: [],
  setWake: ["n"],
  digitalOpen: ["n", "n", "n"],
  analogOpen: ["n"],
  pwmOpen: ["n", "n"],
  serialOpen: ["n", "n"],
  zeroCrossOpen: ["n"],
  triacOpen: ["n"],
  triacWrite: ["n", "n", "n", "n"],
  displayOpen: ["n"],
  displayWrite: ["n", "s", "n", "n", "n"],
  touchKeysOpen: ["n", "n", "n"],
  motorOpen: ["n", "n"],
  motorWrite: ["n", "n", "n", "n"],
  i2cOpen: ["n", "n", "n", "n"],
  i2cRead: ["n", "n", "n"],
  i2cWrite: ["n", "b", "n"],
  spiOpen: ["n", "n", "n", "n", "n", "n"],
  spiTransfer: ["n", "b"],
  ioRead: ["n"],
  ioWrite: ["n", "nb"],
  ioClose: ["n"],
  flashGeometry: [],
  flashRead: ["n", "n"],
  flashProgram: ["n", "b"],
  flashErase: ["n"],
  watchdogStart: ["n"],
  watchdogFeed: [],
  restart: [],
  random: ["n"],
  sha256: ["b"],
  ed25519Verify: ["b", "b", "b"],
  mqttStart: [],
  mqttSubscribe: ["s"],
  mqttPublish: ["s", "b"],
  mqttStop: [],
  panic: ["s"],
  log: ["s", "s", "s"],
} as const satisfies NativeSignatures;

export function isNativeError(x: unknown): x is NativeError {
  return typeof x === "object" && x !== null && typeof (x as { error?: unknown }).error === "string";
}
