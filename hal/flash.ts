/**
 * NOR flash, as the native binding contract gives it to the OS: erase sets a
 * whole sector to 0xFF; program can only clear bits, in whole aligned program
 * units, within one sector. Offsets are relative to the region handed out
 * (a partition of the H1's flash map).
 */
export interface Flash {
  readonly sizeBytes: number;
  readonly sectorBytes: number;
  /** Program granularity: offsets and lengths of program() are multiples of it. */
  readonly programBytes: number;
  /** The bytes there, the caller's own: a copy that does not change when the flash does. */
  read(offset: number, length: number): Uint8Array;
  /**
   * Clears bits only. Storage programs over written bytes once, and only to zeros: to retire a sector
   * that failed to erase (os/storage/SPEC.md). Flash that forbids a second program of a unit (ECC
   * words, encrypted flash) may refuse it; retiring is then best-effort, as DESIGN.md says.
   */
  program(offset: number, data: Uint8Array): void;
  erase(sector: number): void;
}

export type FlashErrorKind =
  | "power-cut" // power is gone: nothing more happens until power-on
  | "misaligned" // offset or length not a multiple of the program unit
  | "out-of-range" // outside the region, or across a sector boundary
  | "not-erased" // program would turn a 0 bit back into 1
  | "program-failed" // the chip reports a failed program
  | "erase-failed" // the chip reports a failed erase (a worn-out or bad sector)
  | "read-failed"; // the chip reports an uncorrectable read

export class FlashError extends Error {
  override readonly name = "FlashError";
  constructor(
    readonly kind: FlashErrorKind,
    message: string,
    readonly sector?: number,
  ) {
    super(message);
  }
}

/** A sector-aligned window onto a larger flash: one partition. */
export class FlashRegion implements Flash {
  readonly sectorBytes: number;
  readonly programBytes: number;
  private readonly firstSector: number;

  constructor(
    private readonly flash: Flash,
    private readonly offset: number,
    readonly sizeBytes: number,
  ) {
    this.sectorBytes = flash.sectorBytes;
    this.programBytes = flash.programBytes;
    if (offset % flash.sectorBytes !== 0 || sizeBytes % flash.sectorBytes !== 0 || offset + sizeBytes > flash.sizeBytes) {
      throw new RangeError(`FlashRegion ${offset}+${sizeBytes} is not sector aligned inside ${flash.sizeBytes} bytes`);
    }
    this.firstSector = offset / flash.sectorBytes;
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return this.flash.read(this.offset + offset, length);
  }
  program(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    this.flash.program(this.offset + offset, data);
  }
  erase(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.sizeBytes / this.sectorBytes) {
      throw new FlashError("out-of-range", `erase: no sector ${sector} in this region`, sector);
    }
    this.flash.erase(this.firstSector + sector);
  }
  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.sizeBytes) {
      throw new FlashError("out-of-range", `${offset}+${length} is outside the region of ${this.sizeBytes} bytes`);
    }
  }
}
