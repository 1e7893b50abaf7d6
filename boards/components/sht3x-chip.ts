import type { I2CDevice } from "../../hal/sim/index.js";

/** The measurement's duration, high repeatability (datasheet table 4). */
const MEASURE_MS = 15;

/**
 * The datasheet's CRC (section 4.12: polynomial x^8 + x^5 + x^4 + 1, initial 0xFF), bit by bit:
 * written here apart from the driver's, so each checks the other.
 */
function crc(word: number): number {
  let reg = 0xff;
  for (let bit = 15; bit >= 0; bit--) {
    const top = ((reg >> 7) ^ (word >> bit)) & 1;
    reg = ((reg << 1) & 0xff) ^ (top ? 0x31 : 0);
  }
  return reg;
}

/**
 * A simulated Sensirion SHT3x on the I2C bus (address 0x44): it takes the
 * single-shot command, is busy for the measurement's time (a read then is not
 * acknowledged, as the datasheet's no-clock-stretching mode says), and answers
 * with the plant's air, each word with its CRC.
 */
export class Sht3xChip implements I2CDevice {
  private measuredAt: number | undefined;
  /** Set to make the chip stop answering (a broken wire). */
  broken = false;

  constructor(
    private readonly now: () => number,
    private readonly air: () => { temperature: number; humidity: number },
  ) {}

  write(bytes: Uint8Array): boolean {
    if (this.broken) return false;
    if (bytes[0] === 0x24 && bytes[1] === 0x00) this.measuredAt = this.now();
    return true;
  }

  read(count: number): Uint8Array | undefined {
    if (this.broken || this.measuredAt === undefined || this.now() - this.measuredAt < MEASURE_MS) return undefined;
    this.measuredAt = undefined;
    const { temperature, humidity } = this.air();
    const t = Math.round(((Math.min(130, Math.max(-45, temperature)) + 45) / 175) * 65535);
    const h = Math.round((Math.min(100, Math.max(0, humidity)) / 100) * 65535);
    const out = Uint8Array.of(t >> 8, t & 0xff, crc(t), h >> 8, h & 0xff, crc(h));
    return out.slice(0, count);
  }
}
