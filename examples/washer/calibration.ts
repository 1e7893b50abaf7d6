import { washer as board } from "../../boards/washer/index.js";
import { HalError, type IO, type Log } from "../../sdk/index.js";
import { Eeprom25 } from "../../sdk/device/drivers/eeprom25.js";

/** The pressure sensor's factory calibration: what an empty drum reads (counts) and the litres at full scale. */
export interface Calibration {
  readonly offsetCounts: number;
  readonly fullScaleL: number;
}

/**
 * Where the factory leaves it in the board's EEPROM (address 0, 8 bytes): "HC", format 1, the full
 * scale in decilitres (u16, big-endian), the offset in counts (i16), and the complement of the sum
 * of the 7 bytes before it.
 */
export const CALIBRATION_AT = 0;
export function encodeCalibration(c: Calibration): Uint8Array {
  const b = new Uint8Array(8);
  const view = new DataView(b.buffer);
  b.set([0x48, 0x43, 1]);
  view.setUint16(3, Math.round(c.fullScaleL * 10));
  view.setInt16(5, c.offsetCounts);
  b[7] = ~b.subarray(0, 7).reduce((a, x) => a + x, 0) & 0xff;
  return b;
}

/** The calibration from the board's EEPROM; the board's nominal figures, and a warning, if it has none or it is damaged. */
export function readCalibration(io: IO, log: Log): Calibration {
  const nominal: Calibration = { offsetCounts: 0, fullScaleL: board.fullScaleL };
  const spi = board.parts.calibration;
  let b: Uint8Array;
  try {
    b = new Eeprom25(new io.SPI({ out: spi.out, in: spi.in, clock: spi.clock, select: spi.select, hz: 1_000_000 })).read(CALIBRATION_AT, 8);
  } catch (error) {
    if (!(error instanceof HalError)) throw error;
    log.warn("calibration", `no calibration EEPROM (${error.message}): nominal figures`);
    return nominal;
  }
  const sum = ~b.subarray(0, 7).reduce((a, x) => a + x, 0) & 0xff;
  if (b[0] !== 0x48 || b[1] !== 0x43 || b[2] !== 1 || b[7] !== sum) {
    log.warn("calibration", "the EEPROM holds no valid calibration: nominal figures");
    return nominal;
  }
  const view = new DataView(b.buffer, b.byteOffset);
  return { fullScaleL: view.getUint16(3) / 10, offsetCounts: view.getInt16(5) };
}
