import { HalError, type I2C } from "../../../hal/index.js";

/** Sensirion SHT3x's single-shot command, high repeatability, no clock stretching (datasheet table 9). */
const MEASURE = Uint8Array.of(0x24, 0x00);
/** The longest a high-repeatability measurement takes (datasheet table 4: 15 ms). */
export const SHT3X_MEASURE_MS = 16;

/** CRC-8 of the datasheet (section 4.12): polynomial 0x31, initial 0xFF, over each 2-byte word. */
export function sht3xCrc(a: number, b: number): number {
  let crc = 0xff;
  for (const byte of [a, b]) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

export interface Climate {
  /** °C. */
  readonly temperature: number;
  /** % relative humidity. */
  readonly humidity: number;
}

/**
 * A humidity and temperature sensor (Sensirion SHT3x, as in air conditioners'
 * indoor units) on an I2C bus: `start()` begins a measurement, and
 * `SHT3X_MEASURE_MS` later `read()` gives it. A reply whose CRC is wrong is an
 * `io` error: a bit flipped on the wire is never taken for the room's air.
 */
export class Sht3x {
  constructor(private readonly i2c: I2C) {}

  start(): void {
    this.i2c.write(MEASURE);
  }

  read(): Climate {
    const r = new Uint8Array(this.i2c.read(6));
    const [t0, t1, tc, h0, h1, hc] = r as unknown as [number, number, number, number, number, number];
    if (sht3xCrc(t0, t1) !== tc || sht3xCrc(h0, h1) !== hc) throw new HalError("io", "SHT3x: a reply with a bad CRC", "address");
    return { temperature: -45 + (175 * ((t0 << 8) | t1)) / 65535, humidity: (100 * ((h0 << 8) | h1)) / 65535 };
  }
}
