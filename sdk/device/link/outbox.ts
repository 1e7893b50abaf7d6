import type { KvStore } from "../../../os/storage/kv-store.js";
import type { WireMembers, WireValue } from "../../protocol/envelope.js";
import { defineRecord, field } from "../../../os/storage/record.js";
import { decodeMessage, encodeMessage } from "../../protocol/envelope.js";

/** Messages the cloud must acknowledge, by class. */
export type OutboxClass = "report" | "event" | "result" | "status";

interface Pending {
  seq: number;
  frame: Uint8Array;
  kind: OutboxClass;
  /** Events: the level's rank (higher is more important). */
  level: number;
  persisted: boolean;
  /** The offline state saved before a reboot: its flash copy goes when the cloud has it. */
  savedState?: boolean;
  /** Kernel time it last went out. */
  sentAt?: number;
}

const QUEUE_PREFIX = "link/q/";
const SEQ_KEY = "link/seq";
const STATE_KEY = "link/state";
/** State that changed while the link was down, kept until the cloud acknowledges a report of it. */
const offlineStateRecord = defineRecord("offline state", 1, { values: field.members });
/** Sequence numbers are reserved on flash this many at a time, so a reboot never reuses one. */
const SEQ_BLOCK = 1000;
/** Reports in flight at most, by default: each is a frame in RAM until its ack. */
const REPORT_CAP = 64;

export interface OutboxOptions {
  /** Flash for what must survive a reboot; RAM only when undefined. */
  kv?: KvStore;
  /** Events kept while unacknowledged; when full the lowest level goes first. Default 32. */
  eventCap?: number;
  /** Reports kept while unacknowledged; when full the oldest goes (a later full report carries the state). Default 64. */
  reportCap?: number;
  onStorageError?: (error: unknown) => void;
}

/**
 * The device's outbound queue. Every message the cloud acknowledges (reports,
 * events, results) keeps its sequence number until its ack, and is sent again
 * with that number after a reconnect, so the cloud can drop repeats. Events
 * and results are written to flash as they are queued and survive a reboot;
 * reports are not (the next full report carries the state), but state that
 * changes while offline coalesces into one pending report that is saved.
 */
export class Outbox {
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 1;
  private reservedUpTo = 0;
  /** Property values changed while offline, coalesced to the latest. */
  readonly offlineState: WireMembers = new Map();
  private readonly eventCap: number;
  private readonly reportCap: number;
  dropped = 0;

  constructor(private readonly options: OutboxOptions = {}) {
    this.eventCap = options.eventCap ?? 32;
    this.reportCap = options.reportCap ?? REPORT_CAP;
    const kv = options.kv;
    if (kv === undefined) return;
    this.guard(() => {
      if (kv.has(SEQ_KEY)) this.nextSeq = kv.getNumber(SEQ_KEY);
      for (const key of kv.keys()) {
        if (!key.startsWith(QUEUE_PREFIX)) continue;
        this.guard(() => {
          const frame = kv.get(key);
          const message = decodeMessage(frame);
          const kind = message.type === "otaStatus" ? "status" : message.type;
          if (kind !== "event" && kind !== "result" && kind !== "status") throw new Error(`${key} holds a ${message.type}`);
          const level = message.type === "event" ? message.level : 0;
          this.pending.set(message.seq, { seq: message.seq, frame, kind, level, persisted: true });
          this.nextSeq = Math.max(this.nextSeq, message.seq + 1);
        });
      }
    });
    this.reserve();
    // State changed offline before the reboot is history the cloud has not seen: it goes as a report
    // of its own, not merged with what this boot measures.
    this.guard(() => {
      const saved = offlineStateRecord.read(kv, STATE_KEY)?.values;
      if (saved === undefined || saved.size === 0) return;
      const seq = this.takeSeq();
      const frame = encodeMessage({ type: "report", seq, values: saved as Map<number, WireValue> });
      this.pending.set(seq, { seq, frame, kind: "report", level: 0, persisted: false, savedState: true });
    });
  }

  /** The next sequence number, never reused, even across reboots. */
  takeSeq(): number {
    const seq = this.nextSeq++;
    if (this.nextSeq > this.reservedUpTo) this.reserve();
    return seq;
  }

  /** Keeps a message until the cloud acknowledges it; events, results and update statuses also go to flash. */
  add(kind: OutboxClass, seq: number, frame: Uint8Array, level = 0): void {
    const persisted = kind !== "report" && this.options.kv !== undefined;
    if (persisted) this.guard(() => this.options.kv?.set(`${QUEUE_PREFIX}${seq}`, frame));
    this.pending.set(seq, { seq, frame, kind, level, persisted });
    if (kind === "event") this.capEvents();
    if (kind === "report") this.capReports();
  }

  /** The cloud has it: forget it. */
  acked(seq: number): void {
    const p = this.pending.get(seq);
    if (p === undefined) return;
    this.pending.delete(seq);
    if (p.persisted) this.guard(() => this.options.kv?.delete(`${QUEUE_PREFIX}${seq}`));
    if (p.savedState && this.offlineState.size === 0) this.guard(() => this.options.kv?.delete(STATE_KEY));
  }

  /** What to send again after a reconnect, oldest first; `olderThan` keeps those sent before that time. */
  unacknowledged(now?: number, olderThan?: number): Uint8Array[] {
    const due = [...this.pending.values()].filter((p) => olderThan === undefined || (p.sentAt ?? -Infinity) <= olderThan);
    if (now !== undefined) for (const p of due) p.sentAt = now;
    return due.sort((a, b) => a.seq - b.seq).map((p) => p.frame);
  }

  /** Notes when a message went out (for resending what stays unacknowledged). */
  sent(seq: number, now: number): void {
    const p = this.pending.get(seq);
    if (p !== undefined) p.sentAt = now;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Merges property values changed while offline; `save` also writes them to flash. */
  noteOffline(values: WireMembers, save: boolean): void {
    for (const [id, v] of values) this.offlineState.set(id, v);
    if (save) this.saveOffline();
  }

  saveOffline(): void {
    if (this.offlineState.size > 0) this.guard(() => this.options.kv !== undefined && offlineStateRecord.write(this.options.kv, STATE_KEY, { values: this.offlineState }));
  }

  /** The offline state was sent (under a seq of its own): it no longer needs flash. */
  clearOffline(): void {
    this.offlineState.clear();
    this.guard(() => this.options.kv?.delete(STATE_KEY));
  }

  /** Unacknowledged reports beyond a few are dropped, oldest first: a later full report carries the state. */
  private capReports(): void {
    const reports = [...this.pending.values()].filter((p) => p.kind === "report");
    for (let i = 0; i < reports.length - this.reportCap; i++) {
      this.pending.delete((reports[i] as Pending).seq);
      this.dropped++;
    }
  }

  private capEvents(): void {
    const events = [...this.pending.values()].filter((p) => p.kind === "event");
    while (events.length > this.eventCap) {
      // The least important, and of those the oldest, makes room.
      let victim = events[0] as Pending;
      for (const e of events) if (e.level < victim.level) victim = e;
      events.splice(events.indexOf(victim), 1);
      this.pending.delete(victim.seq);
      if (victim.persisted) this.guard(() => this.options.kv?.delete(`${QUEUE_PREFIX}${victim.seq}`));
      this.dropped++;
    }
  }

  private reserve(): void {
    this.reservedUpTo = this.nextSeq + SEQ_BLOCK;
    this.guard(() => this.options.kv?.setNumber(SEQ_KEY, this.reservedUpTo));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      // Flash trouble must not stop the link: the queue goes on in RAM.
      this.options.onStorageError?.(error);
    }
  }
}
