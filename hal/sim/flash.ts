import { FlashError, type Flash } from "../flash.js";

export interface FlashGeometry {
  sizeBytes: number;
  sectorBytes: number;
  programBytes: number;
  /** Erases a sector takes before it wears out (erase fails). Default 100,000. */
  endurance?: number;
}

/** How a bad sector misbehaves. The silent ones are what read-back verification is for. */
export type BadSector = "program-error" | "erase-error" | "read-error" | "program-noop" | "erase-noop";

/** What a power cut does to the operation it interrupts. */
export interface TornOp {
  /** Program: bytes of it that reach the flash (the rest stays as it was). Erase: ignored. */
  keepBytes: number;
  /** Program: the rest stays erased, or gets random bits cleared. Erase: the sector is left random. */
  rest: "erased" | "random";
}

/**
 * The simulated H1's NOR flash, strict about NOR's rules (a program that
 * would set a bit is an error, and counted), with erase counters, an
 * endurance limit, and fault injection: a power cut after operation k (whole
 * or torn), and bad sectors.
 */
export class SimFlash implements Flash {
  readonly sizeBytes: number;
  readonly sectorBytes: number;
  readonly programBytes: number;
  readonly endurance: number;
  readonly eraseCounts: Uint32Array;
  /**
   * Contents by sector; an erased sector holds no memory (undefined), so a
   * fleet of boards costs only the sectors they wrote.
   */
  private readonly sectors = new Map<number, Uint8Array>();
  /** Sectors shared with a clone: copied before this flash changes them (copy on write). */
  private readonly shared = new Set<number>();
  /** Operations (program and erase) done since creation. */
  ops = 0;
  /** Programs refused because they would turn a 0 into a 1: a correct store does none. */
  nonErasedPrograms = 0;
  bytesProgrammed = 0;
  private powered = true;
  private cutAfter: number | undefined;
  private torn: TornOp | undefined;
  private readonly bad = new Map<number, BadSector>();
  private randomState = 0x9e3779b9;
  /** Called after every completed operation, with its number: tests fork the image here. */
  afterOp: ((op: number) => void) | undefined;
  /** Called when a cut power fails, inside the operation it cuts: the board stops its MCU here. */
  onPowerLoss: (() => void) | undefined;
  /** Called before every program that is allowed to happen: tests fork the image to tear it. */
  beforeProgram: ((offset: number, data: Uint8Array) => void) | undefined;

  constructor(geometry: FlashGeometry, image?: Uint8Array) {
    const { sizeBytes, sectorBytes, programBytes } = geometry;
    if (sizeBytes % sectorBytes !== 0 || sectorBytes % programBytes !== 0) {
      throw new RangeError("SimFlash: size must be whole sectors, and a sector whole program units");
    }
    this.sizeBytes = sizeBytes;
    this.sectorBytes = sectorBytes;
    this.programBytes = programBytes;
    this.endurance = geometry.endurance ?? 100_000;
    if (image !== undefined && image.length !== sizeBytes) throw new RangeError(`SimFlash: image of ${image.length} bytes for a ${sizeBytes}-byte flash`);
    this.eraseCounts = new Uint32Array(sizeBytes / sectorBytes);
    if (image !== undefined) this.setImage(image);
  }

  /** The whole contents, as a copy (saving, comparing). */
  get image(): Uint8Array {
    const out = new Uint8Array(this.sizeBytes).fill(0xff);
    for (const [i, sector] of this.sectors) out.set(sector, i * this.sectorBytes);
    return out;
  }

  /** Replaces the whole contents (loading a saved flash, or garbage for a test). */
  setImage(image: Uint8Array): void {
    if (image.length !== this.sizeBytes) throw new RangeError(`SimFlash: image of ${image.length} bytes for a ${this.sizeBytes}-byte flash`);
    this.sectors.clear();
    this.shared.clear();
    for (let i = 0; i < this.eraseCounts.length; i++) {
      const bytes = image.subarray(i * this.sectorBytes, (i + 1) * this.sectorBytes);
      if (!bytes.every((b) => b === 0xff)) this.sectors.set(i, bytes.slice());
    }
  }

  /** Sectors that hold memory (written since their last erase). */
  get sectorsInUse(): number {
    return this.sectors.size;
  }

  /** A sector's bytes to change, made real if it was erased. */
  private writable(sector: number): Uint8Array {
    let bytes = this.sectors.get(sector);
    if (bytes === undefined) bytes = new Uint8Array(this.sectorBytes).fill(0xff);
    else if (this.shared.delete(sector)) bytes = bytes.slice();
    this.sectors.set(sector, bytes);
    return bytes;
  }

  /** The same flash, as it is now: contents, wear and bad sectors; no pending cut. */
  clone(): SimFlash {
    const copy = new SimFlash(this);
    for (const [i, bytes] of this.sectors) {
      copy.sectors.set(i, bytes);
      copy.shared.add(i);
      this.shared.add(i);
    }
    copy.eraseCounts.set(this.eraseCounts);
    for (const [s, b] of this.bad) copy.bad.set(s, b);
    return copy;
  }

  /** Power fails after `ops` more operations complete; the next one is cut (torn as given). */
  cutPowerAfter(ops: number, torn?: TornOp): void {
    this.cutAfter = this.ops + ops;
    this.torn = torn;
  }

  /** What a program of `data` at `offset` cut after `keepBytes` leaves (the rest erased, or random). */
  tearProgram(offset: number, data: Uint8Array, keepBytes: number, rest: "erased" | "random"): void {
    const bytes = this.writable(Math.floor(offset / this.sectorBytes));
    const at = offset % this.sectorBytes;
    for (let i = 0; i < data.length; i++) {
      const mask = i < keepBytes ? (data[i] as number) : rest === "random" ? (data[i] as number) | this.rand() : 0xff;
      bytes[at + i] = (bytes[at + i] as number) & mask;
    }
  }

  /** False from a cut until powerOn. */
  get hasPower(): boolean {
    return this.powered;
  }

  /** Power back: operations work again. */
  powerOn(): void {
    this.powered = true;
    this.cutAfter = undefined;
    this.torn = undefined;
  }

  setBadSector(sector: number, behaviour: BadSector | undefined): void {
    if (behaviour === undefined) this.bad.delete(sector);
    else this.bad.set(sector, behaviour);
  }

  read(offset: number, length: number): Uint8Array {
    this.checkPower();
    this.checkRange(offset, length);
    for (let s = Math.floor(offset / this.sectorBytes); s * this.sectorBytes < offset + length; s++) {
      if (this.bad.get(s) === "read-error") throw new FlashError("read-failed", `read of sector ${s} failed`, s);
    }
    const first = Math.floor(offset / this.sectorBytes);
    if (Math.floor((offset + length - 1) / this.sectorBytes) === first || length === 0) {
      const bytes = this.sectors.get(first);
      const at = offset % this.sectorBytes;
      return bytes === undefined ? new Uint8Array(length).fill(0xff) : bytes.slice(at, at + length);
    }
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const sector = Math.floor((offset + done) / this.sectorBytes);
      const at = (offset + done) % this.sectorBytes;
      const n = Math.min(length - done, this.sectorBytes - at);
      const bytes = this.sectors.get(sector);
      if (bytes === undefined) out.fill(0xff, done, done + n);
      else out.set(bytes.subarray(at, at + n), done);
      done += n;
    }
    return out;
  }

  program(offset: number, data: Uint8Array): void {
    this.checkPower();
    this.checkRange(offset, data.length);
    if (offset % this.programBytes !== 0 || data.length % this.programBytes !== 0) {
      throw new FlashError("misaligned", `program ${offset}+${data.length} is not in whole ${this.programBytes}-byte units`);
    }
    const sector = Math.floor(offset / this.sectorBytes);
    if (data.length > 0 && Math.floor((offset + data.length - 1) / this.sectorBytes) !== sector) {
      throw new FlashError("out-of-range", `program ${offset}+${data.length} crosses a sector boundary`, sector);
    }
    const current = this.sectors.get(sector);
    const at = offset % this.sectorBytes;
    for (let i = 0; current !== undefined && i < data.length; i++) {
      if ((~(current[at + i] as number) & (data[i] as number) & 0xff) !== 0) {
        this.nonErasedPrograms++;
        throw new FlashError("not-erased", `program at ${offset + i} would set bits that are 0 (erase first)`, sector);
      }
    }
    this.beforeProgram?.(offset, data);
    if (this.cutNow()) {
      const torn = this.torn;
      if (torn !== undefined) this.tearProgram(offset, data, torn.keepBytes, torn.rest);
      throw new FlashError("power-cut", `power cut during program at ${offset}`, sector);
    }
    const bad = this.bad.get(sector);
    if (bad === "program-error") throw new FlashError("program-failed", `program of sector ${sector} failed`, sector);
    if (bad !== "program-noop") {
      const bytes = this.writable(sector);
      for (let i = 0; i < data.length; i++) bytes[at + i] = (bytes[at + i] as number) & (data[i] as number);
    }
    this.bytesProgrammed += data.length;
    this.done();
  }

  erase(sector: number): void {
    this.checkPower();
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.eraseCounts.length) {
      throw new FlashError("out-of-range", `no sector ${sector}`, sector);
    }
    if (this.cutNow()) {
      if (this.torn !== undefined) {
        const bytes = this.writable(sector);
        for (let i = 0; i < this.sectorBytes; i++) bytes[i] = this.rand();
      }
      throw new FlashError("power-cut", `power cut during erase of sector ${sector}`, sector);
    }
    const bad = this.bad.get(sector);
    if (bad === "erase-error" || (this.eraseCounts[sector] as number) >= this.endurance) {
      throw new FlashError("erase-failed", `erase of sector ${sector} failed${bad ? "" : " (worn out)"}`, sector);
    }
    if (bad !== "erase-noop") {
      this.sectors.delete(sector);
      this.shared.delete(sector);
    }
    this.eraseCounts[sector] = (this.eraseCounts[sector] as number) + 1;
    this.done();
  }

  private cutNow(): boolean {
    if (this.cutAfter === undefined || this.ops < this.cutAfter) return false;
    this.powered = false;
    this.cutAfter = undefined;
    this.onPowerLoss?.();
    return true;
  }

  private done(): void {
    this.ops++;
    this.afterOp?.(this.ops);
  }

  private checkPower(): void {
    if (!this.powered) throw new FlashError("power-cut", "no power");
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.sizeBytes) {
      throw new FlashError("out-of-range", `${offset}+${length} is outside the ${this.sizeBytes}-byte flash`);
    }
  }

  private rand(): number {
    // xorshift32: the flash's own noise, seeded, so torn writes replay.
    let x = this.randomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randomState = x >>> 0;
    return this.randomState & 0xff;
  }
}
