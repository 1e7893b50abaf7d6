import { FlashError, type Flash } from "../../hal/flash.js";
import { crc32 } from "./crc32.js";
import { StorageError } from "./errors.js";
import { frozen } from "../../hal/frozen.js";

/** Record types. 0x00 and 0xFF are never types: a byte that reads so is not a record. */
export const RecordType = frozen({ put: 1, delete: 2, commit: 3, entry: 4 } as const);

const RECORD_HEADER = 16;
const SECTOR_HEADER = 16;

/** Where a record lives: its first sector and offset, and every sector it touches. */
export interface Pos {
  readonly sector: number;
  readonly offset: number;
  /** Sequence number of the first sector: orders records across the ring. */
  readonly sectorSeq: number;
  readonly sectors: readonly number[];
}

/** Flag bits, stored inverted (a cleared bit is set) so an erased header reads as no flags. */
export const RecordFlag = frozen({ selfCommitted: 1 } as const);

export interface RawRecord {
  readonly type: number;
  readonly flags: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly seq: number;
  readonly pos: Pos;
}

type SectorState = "free" | "used" | "garbage" | "bad";

/** A program that did not take (program error, or read-back differs): the caller retries elsewhere. */
export class WriteFailed extends Error {}

/**
 * The layer both stores stand on: a ring of sectors holding checked records
 * that may cross sector boundaries. See os/storage/SPEC.md for the format.
 * It never programs a byte that is not erased, never trusts a record whose
 * CRC fails, and reads back what it writes.
 */
export class RecordLog {
  readonly sectors: number;
  private readonly unit: number;
  private readonly headerBytes: number;
  private readonly state: SectorState[];
  private readonly seqOf: number[];
  private readonly bySeq = new Map<number, number>();
  /** Free sectors whose header is erased but whose body mount did not read (verified when opened). */
  private readonly unverified = new Set<number>();
  private head: { sector: number; offset: number } | undefined;
  private nextSectorSeq = 1;

  private constructor(
    readonly flash: Flash,
    private readonly magic: number,
  ) {
    this.sectors = flash.sizeBytes / flash.sectorBytes;
    this.unit = flash.programBytes;
    this.headerBytes = roundUp(SECTOR_HEADER, this.unit);
    if (this.sectors < 3) throw new StorageError("corrupt", "a store needs at least 3 sectors");
    this.state = new Array<SectorState>(this.sectors).fill("free");
    this.seqOf = new Array<number>(this.sectors).fill(0);
  }

  /**
   * Scans the partition and returns the log and every valid record in log
   * order. A partition with nothing valid but something written is garbage:
   * formatted when `format` is "if-garbage", else a StorageError "corrupt".
   */
  static mount(flash: Flash, magic: number, format: "if-garbage" | "never"): { log: RecordLog; records: RawRecord[] } {
    const log = new RecordLog(flash, magic);
    for (let s = 0; s < log.sectors; s++) log.classify(s);
    const used = log.usedInOrder();
    // No store yet: whether the partition is blank or holds something else decides whether to format it.
    if (used.length === 0) for (const s of [...log.unverified]) log.verify(s);
    if (used.length === 0 && log.state.includes("garbage")) {
      if (format === "never") throw new StorageError("corrupt", "the partition holds no store, only data that is not one (format it to use it)");
      for (let s = 0; s < log.sectors; s++) if (log.state[s] === "garbage") log.eraseSector(s);
    }
    const records: RawRecord[] = [];
    let cleanEnd: { sector: number; offset: number } | undefined;
    for (const s of used) cleanEnd = log.parseSector(s, records);
    const last = used[used.length - 1];
    log.head = last !== undefined && cleanEnd?.sector === last ? cleanEnd : undefined;
    return { log, records };
  }

  /** Sectors that are free or erasable (not used, not bad). */
  get freeSectors(): number {
    let n = 0;
    for (const st of this.state) if (st === "free" || st === "garbage") n++;
    return n;
  }

  /** The oldest sector in use, if any: what garbage collection frees next. */
  oldestUsed(): number | undefined {
    return this.usedInOrder()[0];
  }

  /** How many fresh sectors appending `bytes` (one record's total length) may need. */
  sectorsFor(recordBytes: number): number {
    const data = this.flash.sectorBytes - this.headerBytes;
    return Math.ceil((roundUp(recordBytes, this.unit) + RECORD_HEADER) / data) + 1;
  }

  /** Bytes a record with this key and value takes in flash, padding included. */
  recordBytes(keyLength: number, valueLength: number): number {
    return roundUp(RECORD_HEADER + keyLength + valueLength, this.unit);
  }

  /** Bytes of records the ring holds with `reserve` sectors kept free (a little is lost at sector ends). */
  usableBytes(reserve: number): number {
    return (this.sectors - reserve - 1) * (this.flash.sectorBytes - this.headerBytes - RECORD_HEADER);
  }

  /** Largest record that fits the partition at all. */
  get capacityBytes(): number {
    return (this.sectors - 2) * (this.flash.sectorBytes - this.headerBytes);
  }

  append(type: number, key: Uint8Array, value: Uint8Array, seq: number, flags = 0): Pos {
    const bytes = encodeRecord(type, key, value, seq, this.unit, flags);
    if (this.head === undefined || this.flash.sectorBytes - this.head.offset < RECORD_HEADER) this.openSector(this.headerBytes);
    const head = this.head as { sector: number; offset: number };
    const pos = { sector: head.sector, offset: head.offset, sectorSeq: this.seqOf[head.sector] as number, sectors: [head.sector] };
    let written = 0;
    for (;;) {
      const h = this.head as { sector: number; offset: number };
      const room = this.flash.sectorBytes - h.offset;
      const part = Math.min(room, bytes.length - written);
      this.programVerified(h.sector * this.flash.sectorBytes + h.offset, bytes.subarray(written, written + part));
      written += part;
      h.offset += part;
      if (written === bytes.length) break;
      const rest = bytes.length - written;
      this.openSector(Math.min(this.flash.sectorBytes, this.headerBytes + rest));
      pos.sectors.push((this.head as { sector: number }).sector);
    }
    return pos;
  }

  /** Reads the record at `pos` again and checks it. */
  read(pos: Pos): RawRecord {
    const record = this.readAt(pos.sector, pos.offset);
    if (record === "erased" || record === "invalid") throw new StorageError("corrupt", `record at sector ${pos.sector}+${pos.offset} fails its check`);
    return record;
  }

  /** Erases a sector in use (its live records must have been copied first). */
  release(sector: number): void {
    this.bySeq.delete(this.seqOf[sector] as number);
    this.state[sector] = "garbage";
    if (this.head?.sector === sector) this.head = undefined;
    this.eraseSector(sector);
  }

  isHead(sector: number): boolean {
    return this.head?.sector === sector;
  }

  /** Stop appending to the current sector (after a failed write): the next append opens a fresh one. */
  closeHead(): void {
    this.head = undefined;
  }

  // ---- mount ----

  private classify(s: number): void {
    let header: Uint8Array;
    try {
      header = this.flash.read(s * this.flash.sectorBytes, SECTOR_HEADER);
    } catch (error) {
      if (error instanceof FlashError) {
        this.state[s] = "bad";
        return;
      }
      throw error;
    }
    if (allErased(header)) {
      // Free, as far as its header says; the rest is read when the sector is opened (mount stays cheap).
      this.state[s] = "free";
      this.unverified.add(s);
      return;
    }
    // Mount reads every sector's header: its fields are read from the bytes, with no view made for them.
    if (u32(header, 0) !== this.magic || u32(header, 12) !== crc32(header, 0, 12)) {
      this.state[s] = "garbage";
      return;
    }
    const seq = u32(header, 4);
    this.state[s] = "used";
    this.seqOf[s] = seq;
    this.bySeq.set(seq, s);
    this.nextSectorSeq = Math.max(this.nextSectorSeq, seq + 1);
  }

  /** Parses one used sector's records into `out`; returns where it ends cleanly, if it does. */
  private parseSector(s: number, out: RawRecord[]): { sector: number; offset: number } | undefined {
    let offset = u32(this.flash.read(s * this.flash.sectorBytes, SECTOR_HEADER), 8);
    while (offset + RECORD_HEADER <= this.flash.sectorBytes) {
      const record = this.readAt(s, offset);
      if (record === "erased") return this.erasedFrom(s, offset) ? { sector: s, offset } : undefined;
      if (record === "invalid") return undefined;
      out.push(record);
      if (record.pos.sectors.length > 1) return undefined; // it went on into the next sector, which parses itself
      offset += roundUp(RECORD_HEADER + record.key.length + record.value.length, this.unit);
    }
    return offset >= this.flash.sectorBytes ? undefined : { sector: s, offset };
  }

  private readAt(s: number, offset: number): RawRecord | "erased" | "invalid" {
    let head: Uint8Array;
    try {
      head = this.flash.read(s * this.flash.sectorBytes + offset, RECORD_HEADER);
    } catch {
      return "invalid";
    }
    if (head[0] === 0xff && allErased(head)) return "erased";
    const type = head[0] as number;
    const keyLength = head[1] as number;
    const valueLength = u32(head, 4);
    const seq = u32(head, 8);
    const total = RECORD_HEADER + keyLength + valueLength;
    const flags = ~((head[2] as number) | ((head[3] as number) << 8)) & 0xffff;
    if (type < RecordType.put || type > RecordType.entry || (flags & ~RecordFlag.selfCommitted) !== 0 || total > this.capacityBytes) return "invalid";
    const sectors = [s];
    let body: Uint8Array;
    let got = 0;
    let sector = s;
    let at = offset + RECORD_HEADER;
    try {
      // A record within its sector (most are) is one read, used as it comes.
      if (at + total - RECORD_HEADER <= this.flash.sectorBytes) {
        body = this.flash.read(sector * this.flash.sectorBytes + at, total - RECORD_HEADER);
        got = body.length;
      } else body = new Uint8Array(total - RECORD_HEADER);
      while (got < body.length) {
        if (at >= this.flash.sectorBytes) {
          const next = this.bySeq.get((this.seqOf[sector] as number) + 1);
          if (next === undefined) return "invalid";
          sector = next;
          sectors.push(next);
          at = this.headerBytes;
        }
        const part = Math.min(this.flash.sectorBytes - at, body.length - got);
        body.set(this.flash.read(sector * this.flash.sectorBytes + at, part), got);
        got += part;
        at += part;
      }
    } catch {
      return "invalid";
    }
    const check = crc32(body, crc32(head, 0, 12));
    if (check !== u32(head, 12)) return "invalid";
    return {
      type,
      flags,
      key: body.subarray(0, keyLength),
      value: body.subarray(keyLength),
      seq,
      pos: { sector: s, offset, sectorSeq: this.seqOf[s] as number, sectors },
    };
  }

  // ---- writing ----

  /** Opens the next sector of the ring for appending, its first record at `firstRecord`. */
  private openSector(firstRecord: number): void {
    const from = this.head?.sector ?? this.newestUsed() ?? this.sectors - 1;
    for (let i = 1; i <= this.sectors; i++) {
      const s = (from + i) % this.sectors;
      const st = this.state[s];
      if (st === "used" || st === "bad") continue;
      if (this.unverified.has(s)) this.verify(s);
      if (st === "garbage") this.eraseSector(s);
      if (this.state[s] !== "free") continue;
      const seq = this.nextSectorSeq++;
      const header = new Uint8Array(this.headerBytes).fill(0xff);
      const view = new DataView(header.buffer);
      view.setUint32(0, this.magic, true);
      view.setUint32(4, seq, true);
      view.setUint32(8, firstRecord, true);
      view.setUint32(12, crc32(header.subarray(0, 12)), true);
      this.state[s] = "used";
      this.seqOf[s] = seq;
      this.bySeq.set(seq, s);
      this.programVerified(s * this.flash.sectorBytes, header);
      // A continuation (firstRecord beyond the header) is written first, right after the header.
      this.head = { sector: s, offset: this.headerBytes };
      return;
    }
    throw new StorageError("no-space", "no free sector left");
  }

  private programVerified(address: number, data: Uint8Array): void {
    const sector = Math.floor(address / this.flash.sectorBytes);
    try {
      this.flash.program(address, data);
      const back = this.flash.read(address, data.length);
      for (let i = 0; i < data.length; i++) if (back[i] !== data[i]) throw new FlashError("program-failed", "read-back differs", sector);
    } catch (error) {
      if (error instanceof FlashError && error.kind !== "power-cut") {
        this.state[sector] = "bad";
        this.head = undefined;
        throw new WriteFailed(`sector ${sector}: ${error.message}`);
      }
      throw error;
    }
  }

  /** A sector whose header is erased: blank through to its end, or garbage (a torn erase or program). */
  private verify(s: number): void {
    this.unverified.delete(s);
    if (this.state[s] === "free" && !this.erasedFrom(s, 0)) this.state[s] = "garbage";
  }

  private eraseSector(s: number): void {
    try {
      this.unverified.delete(s);
      this.flash.erase(s);
      if (!this.erasedFrom(s, 0)) throw new FlashError("erase-failed", "sector not blank after erase", s);
      this.state[s] = "free";
    } catch (error) {
      if (error instanceof FlashError && error.kind !== "power-cut") {
        this.state[s] = "bad";
        this.retire(s);
        return;
      }
      throw error;
    }
  }

  /**
   * A sector that would not erase still holds its records, and a later mount would read them
   * again: a key deleted since (its delete is not copied when its own sector is collected) would
   * come back. Its header is programmed to zeros, which only clears bits, so mount takes it for
   * garbage and reads none of it. If even that does not take, the sector is dead to this mount only
   * (DESIGN.md, "What was traded away").
   */
  private retire(s: number): void {
    try {
      this.flash.program(s * this.flash.sectorBytes, new Uint8Array(this.headerBytes));
    } catch (error) {
      if (!(error instanceof FlashError) || error.kind === "power-cut") throw error;
    }
  }

  private erasedFrom(s: number, offset: number): boolean {
    try {
      return allErased(this.flash.read(s * this.flash.sectorBytes + offset, this.flash.sectorBytes - offset));
    } catch {
      return false;
    }
  }

  private usedInOrder(): number[] {
    const used: number[] = [];
    for (let s = 0; s < this.sectors; s++) if (this.state[s] === "used") used.push(s);
    return used.sort((a, b) => (this.seqOf[a] as number) - (this.seqOf[b] as number));
  }

  private newestUsed(): number | undefined {
    const used = this.usedInOrder();
    return used[used.length - 1];
  }
}

function encodeRecord(type: number, key: Uint8Array, value: Uint8Array, seq: number, unit: number, flags: number): Uint8Array {
  const total = RECORD_HEADER + key.length + value.length;
  const bytes = new Uint8Array(roundUp(total, unit)).fill(0xff);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, type);
  view.setUint8(1, key.length);
  view.setUint16(2, ~flags & 0xffff, true);
  view.setUint32(4, value.length, true);
  view.setUint32(8, seq, true);
  bytes.set(key, RECORD_HEADER);
  bytes.set(value, RECORD_HEADER + key.length);
  view.setUint32(12, crc32(bytes.subarray(RECORD_HEADER, total), crc32(bytes.subarray(0, 12))), true);
  return bytes;
}

/** The little-endian 32-bit word at `at`. */
function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) >>> 0;
}

function allErased(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}
