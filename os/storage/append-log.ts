import type { Flash } from "../../hal/flash.js";
import { StorageError } from "./errors.js";
import { RecordLog, RecordType, WriteFailed, type Pos } from "./record-log.js";

const LOG_MAGIC = 0x3147_4c48; // "HLG1"
const RETRIES = 8;

export interface LogEntry {
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * An append-only log on flash: a ring of checked records whose sequence
 * numbers stay strictly increasing across reboots. When the ring is full the
 * oldest sector goes. A record is there whole or not at all; readers walk it
 * from a cursor (a sequence number). The kernel's log and the link's queue use it.
 */
export class AppendLog {
  private readonly entries: { seq: number; pos: Pos }[] = [];
  private nextSeq = 1;

  private constructor(
    private readonly log: RecordLog,
    readonly maxEntryBytes: number,
  ) {}

  static mount(flash: Flash, options: { format?: "if-garbage" | "never"; maxEntryBytes?: number } = {}): AppendLog {
    const { log, records } = RecordLog.mount(flash, LOG_MAGIC, options.format ?? "never");
    const store = new AppendLog(log, options.maxEntryBytes ?? 1024);
    for (const r of records) {
      if (r.type !== RecordType.entry) continue;
      const last = store.entries[store.entries.length - 1];
      // Log order and seq order agree; anything else is not this log's record.
      if (last !== undefined && r.seq <= last.seq) continue;
      store.entries.push({ seq: r.seq, pos: r.pos });
      store.nextSeq = r.seq + 1;
    }
    return store;
  }

  /** The oldest and newest sequence numbers held, or undefined when empty. */
  get first(): number | undefined {
    return this.entries[0]?.seq;
  }
  get last(): number | undefined {
    return this.entries[this.entries.length - 1]?.seq;
  }
  get size(): number {
    return this.entries.length;
  }

  /** Appends one entry; returns its sequence number once it is on flash. */
  append(data: Uint8Array): number {
    if (data.length > this.maxEntryBytes) throw new StorageError("too-large", `entry of ${data.length} bytes; the log takes up to ${this.maxEntryBytes}`);
    const needed = this.log.sectorsFor(this.log.recordBytes(0, data.length));
    for (let attempt = 0; ; attempt++) {
      while (this.log.freeSectors < needed) this.dropOldest();
      try {
        const seq = this.nextSeq;
        const pos = this.log.append(RecordType.entry, new Uint8Array(0), data, seq);
        this.nextSeq++;
        this.entries.push({ seq, pos });
        return seq;
      } catch (error) {
        if (!(error instanceof WriteFailed)) throw error;
        if (attempt >= RETRIES) throw new StorageError("io", `flash keeps failing: ${error.message}`);
        this.log.closeHead();
      }
    }
  }

  /** Up to `max` entries with seq >= `from`, oldest first: a reader keeps `last.seq + 1` as its cursor. */
  read(from: number, max = Infinity): LogEntry[] {
    const out: LogEntry[] = [];
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.entries[mid] as { seq: number }).seq < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length && out.length < max; i++) {
      const e = this.entries[i] as { seq: number; pos: Pos };
      out.push({ seq: e.seq, data: this.log.read(e.pos).value.slice() });
    }
    return out;
  }

  private dropOldest(): void {
    const oldest = this.log.oldestUsed();
    if (oldest === undefined) throw new StorageError("no-space", "the log partition has no sector to give");
    this.log.release(oldest);
    let drop = 0;
    while (drop < this.entries.length && (this.entries[drop] as { pos: Pos }).pos.sectors.includes(oldest)) drop++;
    // Entries are in log order, so those touching the oldest sector come first.
    this.entries.splice(0, drop);
  }
}
