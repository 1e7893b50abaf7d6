import { HalError, type SPI } from "../../../hal/index.js";

/** The 25xx256 family's commands (Microchip 25LC256 datasheet, table 2-1). */
const READ = 0x03;
const WRITE = 0x02;
const WREN = 0x06;
const RDSR = 0x05;
/** Status register: a write cycle is in progress. */
const WIP = 0x01;
export const EEPROM25_PAGE = 64;
export const EEPROM25_BYTES = 32 * 1024;
/** Status polls before a write cycle counts as stuck (the datasheet's 5 ms is a few of them). */
const MAX_POLLS = 1000;

/**
 * A 32 KiB SPI EEPROM (25xx256) for a board's factory calibration: reads at
 * any address, writes a page at a time (each enabled by WREN, then polled
 * until its write cycle ends). Bad addresses are `bad-option`, a write cycle
 * that never ends is `io`.
 */
export class Eeprom25 {
  constructor(private readonly spi: SPI) {}

  read(address: number, count: number): Uint8Array {
    this.check(address, count);
    const reply = new Uint8Array(this.spi.transfer(Uint8Array.of(READ, address >> 8, address & 0xff, ...new Uint8Array(count))));
    return reply.slice(3);
  }

  write(address: number, bytes: Uint8Array): void {
    this.check(address, bytes.length);
    for (let at = 0; at < bytes.length; ) {
      const page = Math.min(bytes.length - at, EEPROM25_PAGE - ((address + at) % EEPROM25_PAGE));
      this.spi.write(Uint8Array.of(WREN));
      this.spi.write(Uint8Array.of(WRITE, (address + at) >> 8, (address + at) & 0xff, ...bytes.subarray(at, at + page)));
      this.waitWritten();
      at += page;
    }
  }

  private waitWritten(): void {
    for (let i = 0; i < MAX_POLLS; i++) if (((new Uint8Array(this.spi.transfer(Uint8Array.of(RDSR, 0)))[1] as number) & WIP) === 0) return;
    throw new HalError("io", "EEPROM: its write cycle did not end", "select");
  }

  private check(address: number, count: number): void {
    if (!Number.isInteger(address) || !Number.isInteger(count) || address < 0 || count < 1 || address + count > EEPROM25_BYTES) {
      throw new HalError("bad-option", `EEPROM: ${count} bytes at ${address} is outside its ${EEPROM25_BYTES} bytes`, "address");
    }
  }
}
