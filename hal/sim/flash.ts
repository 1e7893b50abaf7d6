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
/** The granularity the simulated flash keeps memory in. */
const PAGE_BYTES = 256;

/** What keeps a simulated flash's cells: each change, as it is made (hal/sim/node/flash-file.ts). */
export interface FlashStore {
  /** These bytes (the cells as they are now) are at `offset`. */
  written(offset: number, bytes: Uint8Array): void;
  /** The sector is erased, for the `count`th time. */
  erased(sector: number, count: number): void;
}

export class SimFlash implements Flash {
  readonly sizeBytes: number;
  readonly sectorBytes: number;
  readonly programBytes: number;
  readonly endurance: number;
  /** How many sectors: erase takes 0 .. sectors - 1. */
  readonly sectors: number;
  private counts: Uint32Array | undefined;
  /**
   * Contents by page (256 bytes, or a whole sector if that does not divide
   * it); an erased page holds no memory, so a board costs only the pages it
   * wrote (a fleet of thousands writes a record or two each).
   */
  private readonly pages = new Map<number, Uint8Array>();
  private readonly pageBytes: number;
  /** Pages shared with a clone: copied before this flash changes them (copy on write). */
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
  /**
   * Where the cells live outside memory (a flash file): told of every
   * change to the cells, inside the operation that makes it, so the change is
   * kept before the operation returns, as a real flash keeps it.
   */
  store: FlashStore | undefined;
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
    this.sectors = sizeBytes / sectorBytes;
    this.pageBytes = sectorBytes % PAGE_BYTES === 0 ? PAGE_BYTES : sectorBytes;
    if (image !== undefined) this.setImage(image);
  }

  /** The whole contents, as a copy (saving, comparing). */
  get image(): Uint8Array {
    const out = new Uint8Array(this.sizeBytes).fill(0xff);
    for (const [i, page] of this.pages) out.set(page, i * this.pageBytes);
    return out;
  }

  /** Replaces the whole contents (loading a saved flash, or garbage for a test). */
  setImage(image: Uint8Array): void {
    if (image.length !== this.sizeBytes) throw new RangeError(`SimFlash: image of ${image.length} bytes for a ${this.sizeBytes}-byte flash`);
    this.pages.clear();
    this.shared.clear();
    for (let i = 0; i * this.pageBytes < this.sizeBytes; i++) {
      const bytes = image.subarray(i * this.pageBytes, (i + 1) * this.pageBytes);
      if (!bytes.every((b) => b === 0xff)) this.pages.set(i, bytes.slice());
    }
  }

  /** Erases each sector has had (wear). */
  get eraseCounts(): Uint32Array {
    return (this.counts ??= new Uint32Array(this.sectors));
  }

  /** Sectors that hold memory (written since their last erase). */
  get sectorsInUse(): number {
    return new Set([...this.pages.keys()].map((p) => Math.floor((p * this.pageBytes) / this.sectorBytes))).size;
  }

  /** A page's bytes to change, made real if it was erased, copied if a clone shares it. */
  private writable(page: number): Uint8Array {
    let bytes = this.pages.get(page);
    if (bytes === undefined) bytes = new Uint8Array(this.pageBytes).fill(0xff);
    else if (this.shared.delete(page)) bytes = bytes.slice();
    this.pages.set(page, bytes);
    return bytes;
  }

  /** Calls `fn` for each page the range covers: the page, where in it, how many bytes, and how far into the range. */
  private eachPage(offset: number, length: number, fn: (page: number, at: number, n: number, done: number) => void): void {
    for (let done = 0; done < length; ) {
      const page = Math.floor((offset + done) / this.pageBytes);
      const at = (offset + done) % this.pageBytes;
      const n = Math.min(length - done, this.pageBytes - at);
      fn(page, at, n, done);
      done += n;
    }
  }

  /** Stores `value(i, current)` for each byte i of the range: how programs (AND) and torn operations change cells. */
  private change(offset: number, length: number, value: (i: number, current: number) => number): void {
    this.eachPage(offset, length, (page, at, n, done) => {
      const bytes = this.writable(page);
      for (let k = 0; k < n; k++) bytes[at + k] = value(done + k, bytes[at + k] as number) & 0xff;
    });
    this.store?.written(offset, this.cells(offset, length));
  }

  /** The same flash, as it is now: contents, wear and bad sectors; no pending cut. */
  clone(): SimFlash {
    const copy = new SimFlash(this);
    for (const [i, bytes] of this.pages) {
      copy.pages.set(i, bytes);
      copy.shared.add(i);
      this.shared.add(i);
    }
    if (this.counts !== undefined) copy.eraseCounts.set(this.counts);
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
    this.change(offset, data.length, (i, current) => current & (i < keepBytes ? (data[i] as number) : rest === "random" ? (data[i] as number) | this.rand() : 0xff));
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
    return this.cells(offset, length);
  }

  /** The cells as they are, whatever the power or a bad sector says. */
  private cells(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.eachPage(offset, length, (page, at, n, done) => {
      const bytes = this.pages.get(page);
      if (bytes === undefined) out.fill(0xff, done, done + n);
      else out.set(bytes.subarray(at, at + n), done);
    });
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
    this.eachPage(offset, data.length, (page, at, n, done) => {
      const current = this.pages.get(page);
      for (let k = 0; current !== undefined && k < n; k++) {
        if ((~(current[at + k] as number) & (data[done + k] as number) & 0xff) !== 0) {
          this.nonErasedPrograms++;
          throw new FlashError("not-erased", `program at ${offset + done + k} would set bits that are 0 (erase first)`, sector);
        }
      }
    });
    this.beforeProgram?.(offset, data);
    if (this.cutNow()) {
      const torn = this.torn;
      if (torn !== undefined) this.tearProgram(offset, data, torn.keepBytes, torn.rest);
      throw new FlashError("power-cut", `power cut during program at ${offset}`, sector);
    }
    const bad = this.bad.get(sector);
    if (bad === "program-error") throw new FlashError("program-failed", `program of sector ${sector} failed`, sector);
    if (bad !== "program-noop") this.change(offset, data.length, (i, current) => current & (data[i] as number));
    this.bytesProgrammed += data.length;
    this.done();
  }

  erase(sector: number): void {
    this.checkPower();
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.sectors) {
      throw new FlashError("out-of-range", `no sector ${sector}`, sector);
    }
    if (this.cutNow()) {
      if (this.torn !== undefined) this.change(sector * this.sectorBytes, this.sectorBytes, () => this.rand());
      throw new FlashError("power-cut", `power cut during erase of sector ${sector}`, sector);
    }
    const bad = this.bad.get(sector);
    if (bad === "erase-error" || (this.counts?.[sector] ?? 0) >= this.endurance) {
      throw new FlashError("erase-failed", `erase of sector ${sector} failed${bad ? "" : " (worn out)"}`, sector);
    }
    if (bad !== "erase-noop") {
      const first = (sector * this.sectorBytes) / this.pageBytes;
      for (let page = first; page < first + this.sectorBytes / this.pageBytes; page++) {
        this.pages.delete(page);
        this.shared.delete(page);
      }
    }
    this.eraseCounts[sector] = (this.eraseCounts[sector] as number) + 1; // made on the first erase: most boards of a fleet never erase
    this.store?.erased(sector, this.eraseCounts[sector] as number);
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
