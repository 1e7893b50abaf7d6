import { frozen } from "./frozen.js";
/**
 * IO interfaces in the shape of ECMA-419 (the Embedded JavaScript IO class
 * pattern): every class takes one options object, checks all of it before it
 * touches hardware, and has read/write/close, callbacks and a data format.
 * Firmware gets the classes from its host (`ctx.io`), never by import, so the
 * same firmware runs on the simulated H1, the embedded host and Moddable.
 */

export type { Bit, IOCallbacks } from "./io-base.js";
import type { Bit, IOCallbacks } from "./io-base.js";

export const DigitalMode = frozen({
  Input: 0,
  InputPullUp: 1,
  InputPullDown: 2,
  InputPullUpDown: 3,
  Output: 8,
  OutputOpenDrain: 9,
} as const);
export type DigitalMode = (typeof DigitalMode)[keyof typeof DigitalMode];

export const Edge = frozen({ Rising: 1, Falling: 2, Both: 3 } as const);
export type Edge = (typeof Edge)[keyof typeof Edge];

export interface DigitalOptions extends IOCallbacks<Digital> {
  pin: number;
  mode: DigitalMode;
  /** Input modes only: which transitions call onReadable. */
  edge?: Edge;
}

export interface Digital {
  readonly format: "number";
  read(): Bit;
  write(value: Bit): void;
  close(): void;
}

export interface AnalogOptions extends IOCallbacks<Analog> {
  /** A GPIO with an ADC channel on it. */
  pin: number;
}

export interface Analog {
  readonly format: "number";
  /** Bits of a reading: read() returns 0 .. 2^resolution - 1. */
  readonly resolution: number;
  read(): number;
  close(): void;
}

export interface PWMOptions extends IOCallbacks<PWM> {
  pin: number;
  /** Frequency in Hz. */
  hz: number;
}

export interface PWM {
  readonly format: "number";
  readonly resolution: number;
  readonly hz: number;
  /** Duty from 0 (always low) to 2^resolution - 1 (always high). */
  write(duty: number): void;
  close(): void;
}

export interface SerialOptions extends IOCallbacks<Serial> {
  port: number;
  baud: number;
  onWritable?: (this: Serial, bytes: number) => void;
}

export interface Serial {
  format: "buffer" | "number";
  /** "buffer": the bytes available, or undefined; "number": one byte or undefined. */
  read(): ArrayBuffer | number | undefined;
  write(data: ArrayBuffer | Uint8Array | number): void;
  close(): void;
}

export type { MainsState, Triac, TriacOptions, TriacSetting, ZeroCross, ZeroCrossOptions, ZeroCrossReading } from "./mains-io.js";
import type { Triac, TriacOptions, ZeroCross, ZeroCrossOptions } from "./mains-io.js";
export type { Display, DisplayFrame, DisplayOptions, KeyEvent, KeyEventKind, TouchKeys, TouchKeysOptions } from "./panel-io.js";
import type { Display, DisplayOptions, TouchKeys, TouchKeysOptions } from "./panel-io.js";
export type { Motor, MotorCommand, MotorFault, MotorOptions, MotorReading } from "./motor-io.js";
import type { Motor, MotorOptions } from "./motor-io.js";
export type { Bytes, I2C, I2COptions, SPI, SPIOptions } from "./bus-io.js";
import type { I2C, I2COptions, SPI, SPIOptions } from "./bus-io.js";

export interface IOClass<Options, Instance> {
  new (options: Options): Instance;
}

/** The IO classes a host hands to firmware. */
export interface IO {
  Digital: IOClass<DigitalOptions, Digital>;
  Analog: IOClass<AnalogOptions, Analog>;
  PWM: IOClass<PWMOptions, PWM>;
  Serial: IOClass<SerialOptions, Serial>;
  ZeroCross: IOClass<ZeroCrossOptions, ZeroCross>;
  Triac: IOClass<TriacOptions, Triac>;
  Display: IOClass<DisplayOptions, Display>;
  TouchKeys: IOClass<TouchKeysOptions, TouchKeys>;
  Motor: IOClass<MotorOptions, Motor>;
  I2C: IOClass<I2COptions, I2C>;
  SPI: IOClass<SPIOptions, SPI>;
}

/**
 * The chip's independent watchdog: once started it cannot be stopped, and
 * unless fed within `timeoutMs` it resets the chip with reason "watchdog".
 * Firmware feeds it through the OS's task watchdog, never directly.
 */
export interface HardwareWatchdog {
  start(timeoutMs: number): void;
  feed(): void;
  readonly timeoutMs: number | undefined;
}

/** Chip-level services besides IO. */
export interface Chip {
  readonly watchdog: HardwareWatchdog;
  /** Why the chip last started. */
  readonly resetReason: import("./reset-cause.js").ResetReason;
  /** Asks for a software reset; the host performs it after the current handler returns. */
  restart(): void;
}
