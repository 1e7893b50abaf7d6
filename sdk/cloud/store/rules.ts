import type { DeviceRecord } from "./port.js";

/**
 * The rules every store applies the same way (STORE.md, "Sessions" and
 * "Last writer wins"); kept here once so the stores cannot drift apart.
 */

/**
 * How far below the session's highest seq a hello may be and still belong to
 * it. Shared subscriptions deliver a device's messages out of order, so a
 * hello sent before some reports may be taken after them; a device holds at
 * most a few dozen messages unacknowledged (16 reports, 32 events, its
 * results and statuses), so a step back of more than this is no delay.
 */
export const REORDER_WINDOW = 1024;

/**
 * Whether a hello starts a new session: its boot count went back, or its seq
 * is more than REORDER_WINDOW below the session's highest without being a
 * repeat (the device's flash was erased, or another board took the id). Its
 * seqs are then no repeats of the old session's.
 */
export function startsNewSession(session: Pick<DeviceRecord, "bootCount" | "maxSeq">, hello: { bootCount: number; seq: number }, isRepeat: boolean): boolean {
  return hello.bootCount < session.bootCount || (!isRepeat && hello.seq + REORDER_WINDOW < session.maxSeq);
}

/** Whether stamp `a` is later than `b`: sessions first, then seqs. */
export function stampIsLater(a: { session: number; seq: number }, b: { session: number; seq: number }): boolean {
  return a.session > b.session || (a.session === b.session && a.seq > b.seq);
}
