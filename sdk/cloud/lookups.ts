import { setHostTimeout } from "./host-timers.js";
import type { CloudStore, DeviceRecord } from "./store/port.js";

/** How long a device the store does not know yet gets before a second look (a hello committing on another instance). */
const HELLO_GRACE_MS = 500;

/**
 * Devices an instance of a tier meets before it has heard their hello: the
 * tier's other instances took the hellos, so it meets thousands in a burst.
 * What arrives for one device waits, in order, on one lookup, and the devices
 * met in one turn are looked up in one query (one query each was most of an
 * instance's work). A device the store does not know yet is looked up once
 * more before the caller tells it no-session: its hello may be committing on
 * another instance (the broker handed the hello there and this report here),
 * and a device with its hello unanswered sits no-session out until its resend.
 */
export class DeviceLookups {
  /** The next query's devices. */
  private next: string[] = [];
  /** What waits on each device's lookup, in arrival order. */
  private readonly waiting = new Map<string, (() => void)[]>();
  /** Devices the store did not know at their first look. */
  private readonly again = new Set<string>();

  constructor(
    private readonly store: CloudStore,
    /** Each record found, before what waits on it runs. */
    private readonly found: (record: DeviceRecord) => void,
  ) {}

  /** Runs `then` once the device has been looked up (found or not). If the store fails, `then` never runs: the message stays unacknowledged, and its device sends it again. */
  after(deviceId: string, then: () => void): void {
    const waiting = this.waiting.get(deviceId);
    if (waiting !== undefined) return void waiting.push(then);
    this.waiting.set(deviceId, [then]);
    this.soon([deviceId]);
  }

  private soon(ids: readonly string[]): void {
    const first = this.next.length === 0;
    this.next.push(...ids);
    // A turn of the loop later, not a microtask: while the burst is still arriving, more join this query.
    if (first) setHostTimeout(() => this.lookUp(this.next.splice(0)), 0);
  }

  private lookUp(ids: readonly string[]): void {
    this.store.devices(ids).then(
      (records) => {
        for (const record of records) this.found(record);
        const known = new Set(records.map((r) => r.deviceId));
        const again = ids.filter((i) => !known.has(i) && !this.again.has(i));
        for (const i of again) this.again.add(i);
        if (again.length > 0) setHostTimeout(() => this.soon(again), HELLO_GRACE_MS);
        for (const i of ids) if (!again.includes(i)) this.release(i, true);
      },
      () => ids.forEach((i) => this.release(i, false)),
    );
  }

  private release(deviceId: string, run: boolean): void {
    const fns = this.waiting.get(deviceId) ?? [];
    this.waiting.delete(deviceId);
    this.again.delete(deviceId);
    if (run) for (const fn of fns) fn();
  }
}
