import type { Transport, TransportEvents } from "../../protocol/transport.js";

/**
 * A simulated appliance's network connection, which fault injection can
 * unplug: while unplugged every transport it made is down and stays down
 * (publishes go nowhere, as on a dead Wi-Fi), and plugging it back in
 * connects afresh. It outlives the device's resets; each boot asks it for a
 * new transport. Runtime-neutral.
 */
export class SimNetwork {
  private plugged = true;
  private readonly live = new Set<SwitchedTransport>();

  constructor(private readonly connect: () => Transport) {}

  get up(): boolean {
    return this.plugged;
  }

  /** The transport a boot of the device uses. */
  transport(): Transport {
    return new SwitchedTransport(this.connect, this.live, () => this.plugged);
  }

  unplug(): void {
    if (!this.plugged) return;
    this.plugged = false;
    for (const t of this.live) t.cut();
  }

  plug(): void {
    if (this.plugged) return;
    this.plugged = true;
    for (const t of this.live) t.restore();
  }
}

class SwitchedTransport implements Transport {
  private inner: Transport | undefined;
  private events: TransportEvents | undefined;
  private stopped = false;

  constructor(
    private readonly connect: () => Transport,
    private readonly live: Set<SwitchedTransport>,
    private readonly plugged: () => boolean,
  ) {}

  start(events: TransportEvents): void {
    this.events = events;
    this.live.add(this);
    if (this.plugged()) this.open();
    else events.down("network unplugged");
  }

  publish(topic: string, payload: Uint8Array): void {
    this.inner?.publish(topic, payload);
  }

  subscribe(topic: string): void {
    this.inner?.subscribe(topic);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.live.delete(this);
    const inner = this.inner;
    this.inner = undefined;
    await inner?.stop();
  }

  cut(): void {
    const inner = this.inner;
    this.inner = undefined;
    if (inner === undefined) return;
    this.events?.down("network unplugged");
    if (inner.drop !== undefined) inner.drop();
    else void inner.stop();
  }

  restore(): void {
    if (!this.stopped && this.inner === undefined) this.open();
  }

  private open(): void {
    const events = this.events as TransportEvents;
    const inner = this.connect();
    this.inner = inner;
    // Events from a connection since cut are stale: only the current one speaks.
    const isCurrent = (): boolean => this.inner === inner;
    inner.start({
      up: () => isCurrent() && events.up(),
      down: (reason) => isCurrent() && events.down(reason),
      message: (topic, payload) => isCurrent() && events.message(topic, payload),
    });
  }
}
