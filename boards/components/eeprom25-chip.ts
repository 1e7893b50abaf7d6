import type { SPIDevice } from "../../hal/sim/index.js";

/** 25xx256: 32 KiB in 64-byte pages (datasheet section 1). */
const EEPROM25_BYTES = 32 * 1024;
const EEPROM25_PAGE = 64;

/**
 * A simulated 25xx256 SPI EEPROM: READ, WRITE (within a page, wrapping at its
 * end as the datasheet says; only after WREN, which each write clears), WREN
 * and RDSR. Its contents are the board's factory data.
 */
export class Eeprom25Chip implements SPIDevice {
  readonly bytes = new Uint8Array(EEPROM25_BYTES).fill(0xff);
  private writeEnabled = false;

  constructor(contents?: { at: number; bytes: Uint8Array }) {
    if (contents !== undefined) this.bytes.set(contents.bytes, contents.at);
  }

  transfer(out: Uint8Array): Uint8Array {
    const answer = new Uint8Array(out.length).fill(0xff);
    const command = out[0];
    const address = (((out[1] ?? 0) << 8) | (out[2] ?? 0)) % EEPROM25_BYTES;
    if (command === 0x06) this.writeEnabled = true;
    else if (command === 0x05) answer[1] = this.writeEnabled ? 0x02 : 0x00;
    else if (command === 0x03) for (let i = 3; i < out.length; i++) answer[i] = this.bytes[(address + i - 3) % EEPROM25_BYTES] as number;
    else if (command === 0x02 && this.writeEnabled) {
      const page = address - (address % EEPROM25_PAGE);
      for (let i = 3; i < out.length; i++) this.bytes[page + ((address - page + i - 3) % EEPROM25_PAGE)] = out[i] as number;
      this.writeEnabled = false;
    }
    return answer;
  }

  deselect(): void {}
}
