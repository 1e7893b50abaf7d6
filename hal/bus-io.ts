/**
 * The H1's I2C and SPI controllers as IO classes, following ECMA-419's
 * (embedded:io/i2c, embedded:io/spi): one options object checked before
 * anything is claimed, synchronous buffer reads and writes, `close`.
 * Their contract is hal/BUS.md.
 */
import { HalError } from "./errors.js";
import type { IOCallbacks } from "./io-base.js";
import { integerOption, requiredInteger } from "./options.js";

export type Bytes = ArrayBuffer | ArrayBufferView;

export interface I2COptions extends IOCallbacks<I2C> {
  /** The bus's data (SDA) and clock (SCL) pins: the H1's I2C port's (hal/h1.ts). */
  data: number;
  clock: number;
  /** Bus speed, 10 kHz .. 1 MHz. */
  hz: number;
  /** The device's 7-bit address, 0x08..0x77. */
  address: number;
}

/** An I2C controller talking to one device. A device that does not acknowledge is an `io` error naming its address. */
export interface I2C {
  readonly format: "buffer";
  /** Reads `count` bytes (1..255); `stop` false keeps the transaction open for a repeated start. */
  read(count: number, stop?: boolean): ArrayBuffer;
  write(data: Bytes, stop?: boolean): void;
  close(): void;
}

export interface SPIOptions extends IOCallbacks<SPI> {
  /** The bus's pins: controller out (MOSI), controller in (MISO), clock, and the device's select. */
  out: number;
  in: number;
  clock: number;
  select: number;
  /** Clock, 100 kHz .. 20 MHz. */
  hz: number;
  /** Clock polarity and phase, 0..3. Default 0. */
  mode?: number;
}

/** An SPI controller talking to one device: select goes low for each call and high after it. */
export interface SPI {
  readonly format: "buffer";
  /** Clocks `data` out and returns what came in meanwhile, as many bytes. */
  transfer(data: Bytes): ArrayBuffer;
  write(data: Bytes): void;
  /** Clocks out `count` zero bytes and returns what came in. */
  read(count: number): ArrayBuffer;
  close(): void;
}

/** A buffer's bytes, copied (both sides of the native binding keep their own). */
export function bytesOf(cls: string, data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  // A view's bytes through a view of its own (its buffer may be XS's HostBuffer, which has no slice).
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  throw new HalError("bad-option", `${cls}: data must be an ArrayBuffer or a typed array, got ${String(data)}`, "data");
}

/** Checks I2C's options (not its pins: the chip knows those), naming the one at fault. */
export function i2cOptions(o: I2COptions): { hz: number; address: number } {
  return { hz: requiredInteger("I2C", "hz", o.hz, 10_000, 1_000_000), address: requiredInteger("I2C", "address", o.address, 0x08, 0x77) };
}

/** Checks SPI's options (not its pins). */
export function spiOptions(o: SPIOptions): { hz: number; mode: number } {
  return { hz: requiredInteger("SPI", "hz", o.hz, 100_000, 20_000_000), mode: integerOption("SPI", "mode", o.mode, 0, 3) ?? 0 };
}

export function countOf(cls: string, count: unknown): number {
  return requiredInteger(cls, "count", count, 1, 255);
}
