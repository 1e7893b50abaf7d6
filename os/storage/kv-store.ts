import type { Flash } from "../../hal/flash.js";
import { decodeCbor, encodeCbor, type CborValue } from "../cbor.js";
import { StorageError } from "./errors.js";
import { RecordFlag, RecordLog, RecordType, WriteFailed, type Pos } from "./record-log.js";

const KV_MAGIC = 0x3156_4b48; // "HKV1"
const KEY = /^[A-Za-z0-9_.:/-]{1,64}$/;
const RETRIES = 8;

export interface KvOptions {
  /** A partition with nothing valid on it but something written: format it, or refuse with "corrupt". Default "never". */
  format?: "if-garbage" | "never";
  /** Largest value accepted, bytes. Default 4096. Sets how much room garbage collection keeps free. */
  maxValueBytes?: number;
}

interface Entry {
  pos: Pos;
  bytes: number;
}

/**
 * A power-fail-safe key-value store on NOR flash (os/storage/SPEC.md).
 * Every write is a batch: its records first, then a commit record; a batch
 * without its commit never happened. Garbage collection copies the live
 * records of the oldest sector to the head, then erases it, so wear goes
 * round the ring. Values are bytes; numbers, strings and CBOR have helpers.
 */
export class KvStore {
  private readonly index = new Map<string, Entry>();
  private nextSeq = 1;
  private readonly maxValue: number;
  private readonly reserve: number;

  private constructor(
    private readonly log: RecordLog,
    options: KvOptions,
  ) {
    this.maxValue = options.maxValueBytes ?? 4096;
    const maxRecord = 16 + 64 + this.maxValue;
    // Room to copy one sector's live records (and a record reaching in or out of it at each end) plus a commit.
    this.reserve = log.sectorsFor(log.flash.sectorBytes + 2 * maxRecord + 32);
    if (this.reserve + 2 > log.sectors) {
      throw new StorageError("no-space", `a partition of ${log.sectors} sectors is too small for values of ${this.maxValue} bytes`);
    }
  }

  static mount(flash: Flash, options: KvOptions = {}): KvStore {
    const { log, records } = RecordLog.mount(flash, KV_MAGIC, options.format ?? "never");
    const store = new KvStore(log, options);
    const pending = new Map<number, { key: string; type: number; pos: Pos; bytes: number }[]>();
    for (const r of records) {
      store.nextSeq = Math.max(store.nextSeq, r.seq + 1);
      if (r.type === RecordType.commit) {
        // A valid commit means every record of its batch was written and read back before it.
        // Some may be gone since (garbage collection drops records that later batches replaced),
        // so what is left of the batch applies; the count in the commit is for diagnosis only.
        const batch = pending.get(r.seq);
        pending.delete(r.seq);
        if (batch === undefined) continue;
        for (const change of batch) {
          if (change.type === RecordType.put) store.index.set(change.key, { pos: change.pos, bytes: change.bytes });
          else store.index.delete(change.key);
        }
      } else if ((r.type === RecordType.put || r.type === RecordType.delete) && r.flags & RecordFlag.selfCommitted) {
        // A write of one key is its own commit: its CRC holds only once all of it is on flash.
        if (r.type === RecordType.put) store.index.set(keyText(r.key), { pos: r.pos, bytes: log.recordBytes(r.key.length, r.value.length) });
        else store.index.delete(keyText(r.key));
      } else if (r.type === RecordType.put || r.type === RecordType.delete) {
        const list = pending.get(r.seq) ?? [];
        list.push({ key: keyText(r.key), type: r.type, pos: r.pos, bytes: log.recordBytes(r.key.length, r.value.length) });
        pending.set(r.seq, list);
      }
    }
    return store;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  keys(): string[] {
    return [...this.index.keys()];
  }

  get(key: string): Uint8Array {
    const entry = this.index.get(checkKey(key));
    if (entry === undefined) throw new StorageError("not-found", `no key ${key}`, key);
    return this.log.read(entry.pos).value.slice();
  }

  set(key: string, value: Uint8Array): void {
    this.write({ [key]: value });
  }

  delete(key: string): void {
    if (!this.index.has(checkKey(key))) return;
    this.write({ [key]: null });
  }

  /** Sets (a Uint8Array) and deletes (null) several keys at once: after a power cut, all or none. */
  write(changes: Readonly<Record<string, Uint8Array | null>>): void {
    const records = Object.entries(changes).map(([key, value]) => {
      const keyBytes = keyBytesOf(checkKey(key));
      if (value !== null && value.length > this.maxValue) {
        throw new StorageError("too-large", `value of ${key} is ${value.length} bytes; the store takes up to ${this.maxValue}`, key);
      }
      return { key, keyBytes, value };
    });
    if (records.length === 0) return;
    const single = records.length === 1;
    const commitBytes = single ? 0 : this.log.recordBytes(0, 4);
    const bytes = records.reduce((n, r) => n + this.log.recordBytes(r.keyBytes.length, r.value?.length ?? 0), commitBytes);
    for (let attempt = 0; ; attempt++) {
      this.makeRoom(bytes, records.map((r) => r.key));
      try {
        const seq = this.nextSeq++;
        const placed = records.map((r) => ({
          key: r.key,
          value: r.value,
          pos: this.log.append(
            r.value === null ? RecordType.delete : RecordType.put,
            r.keyBytes,
            r.value ?? new Uint8Array(0),
            seq,
            single ? RecordFlag.selfCommitted : 0,
          ),
          bytes: this.log.recordBytes(r.keyBytes.length, r.value?.length ?? 0),
        }));
        if (!single) this.log.append(RecordType.commit, new Uint8Array(0), u32(records.length), seq);
        for (const p of placed) {
          if (p.value === null) this.index.delete(p.key);
          else this.index.set(p.key, { pos: p.pos, bytes: p.bytes });
        }
        return;
      } catch (error) {
        if (!(error instanceof WriteFailed) || attempt >= RETRIES) throw asStorageError(error);
        this.log.closeHead();
      }
    }
  }

  getNumber(key: string): number {
    return this.typed(key, "number") as number;
  }
  setNumber(key: string, value: number): void {
    this.setCbor(key, value);
  }
  getString(key: string): string {
    return this.typed(key, "string") as string;
  }
  setString(key: string, value: string): void {
    this.setCbor(key, value);
  }
  getCbor(key: string): unknown {
    try {
      return decodeCbor(this.get(key));
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw new StorageError("corrupt", `key ${key} does not hold CBOR`, key);
    }
  }
  setCbor(key: string, value: CborValue): void {
    this.set(key, encodeCbor(value));
  }

  private typed(key: string, kind: "number" | "string"): unknown {
    const v = this.getCbor(key);
    if (typeof v !== kind) throw new StorageError("corrupt", `key ${key} does not hold a ${kind}`, key);
    return v;
  }

  /** Bytes of live records: what garbage collection must keep. */
  get liveBytes(): number {
    let n = 0;
    for (const e of this.index.values()) n += e.bytes;
    return n;
  }

  /** Garbage-collects until a write of `bytes` fits with the reserve kept, or says there is no space. */
  private makeRoom(bytes: number, replacing: readonly string[]): void {
    const replaced = replacing.reduce((n, k) => n + (this.index.get(k)?.bytes ?? 0), 0);
    const usable = this.log.usableBytes(this.reserve);
    if (this.liveBytes - replaced + bytes > usable) {
      throw new StorageError("no-space", `${bytes} more bytes do not fit: ${this.liveBytes} of about ${Math.floor(usable)} in use`);
    }
    const needed = this.log.sectorsFor(bytes) + this.reserve;
    let guard = this.log.sectors * 2;
    while (this.log.freeSectors < needed) {
      const victim = this.log.oldestUsed();
      if (victim === undefined || guard-- === 0) throw new StorageError("no-space", "garbage collection cannot free a sector");
      this.collect(victim);
    }
  }

  /** Copies every live record touching `victim` to the head, in one committed batch, then erases it. */
  private collect(victim: number): void {
    // Never copy records into the sector about to be erased.
    if (this.log.isHead(victim)) this.log.closeHead();
    const live = [...this.index.entries()].filter(([, e]) => e.pos.sectors.includes(victim));
    for (let attempt = 0; live.length > 0; attempt++) {
      try {
        const seq = this.nextSeq++;
        const moved = live.map(([key, e]) => {
          const value = this.log.read(e.pos).value;
          return { key, bytes: e.bytes, pos: this.log.append(RecordType.put, keyBytesOf(key), value, seq) };
        });
        this.log.append(RecordType.commit, new Uint8Array(0), u32(moved.length), seq);
        for (const m of moved) this.index.set(m.key, { pos: m.pos, bytes: m.bytes });
        break;
      } catch (error) {
        if (!(error instanceof WriteFailed) || attempt >= RETRIES) throw asStorageError(error);
        this.log.closeHead();
      }
    }
    this.log.release(victim);
  }
}

function checkKey(key: string): string {
  if (typeof key !== "string" || !KEY.test(key)) {
    throw new StorageError("bad-key", `key ${JSON.stringify(key)} must be 1..64 of A-Z a-z 0-9 _ . : / -`, String(key));
  }
  return key;
}

function keyBytesOf(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

function keyText(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function asStorageError(error: unknown): unknown {
  if (error instanceof WriteFailed) return new StorageError("io", `flash keeps failing: ${error.message}`);
  return error;
}
