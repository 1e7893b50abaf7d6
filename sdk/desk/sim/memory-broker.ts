import type { Transport, TransportEvents } from "../../protocol/transport.js";

/**
 * An MQTT-like broker in memory, for tests and fleets in virtual time:
 * topic routing with `+` and `#`, at-least-once delivery while a client is
 * connected, and the faults a real network has: the broker going down,
 * one client dropped, a message delivered twice. Delivery is deferred
 * through `defer` (for example a kernel's post), never inside publish().
 */
export class MemoryBroker {
  private readonly clients = new Map<string, MemoryClient>();
  up = true;
  /** Deliveries made (after filtering), for tests. */
  delivered = 0;
  /** The next message to a client matching this is delivered twice (a QoS 1 redelivery). */
  duplicateNext: ((topic: string) => boolean) | undefined;

  constructor(private readonly defer: (fn: () => void) => void = (fn) => void Promise.resolve().then(fn)) {}

  transport(clientId: string): Transport {
    return new MemoryClient(this, clientId);
  }

  /** Every client loses its connection; they come back when `start()` is called. */
  stop(): void {
    this.up = false;
    for (const c of this.clients.values()) c.drop();
  }

  start(): void {
    this.up = true;
    for (const c of this.clients.values()) c.connect();
  }

  /** One client's connection drops (and comes back at once, as a client reconnecting). */
  drop(clientId: string): void {
    const c = this.clients.get(clientId);
    if (c === undefined) return;
    c.drop();
    if (this.up) c.connect();
  }

  /** @internal */
  attach(c: MemoryClient): void {
    this.clients.get(c.clientId)?.drop(); // a new session with the same id takes over
    this.clients.set(c.clientId, c);
    if (this.up) c.connect();
  }

  /** @internal */
  detach(c: MemoryClient): void {
    if (this.clients.get(c.clientId) === c) this.clients.delete(c.clientId);
  }

  /** @internal */
  route(topic: string, payload: Uint8Array): void {
    if (!this.up) return;
    for (const c of this.clients.values()) {
      if (!c.connected || !c.wants(topic)) continue;
      const copies = this.duplicateNext?.(topic) ? 2 : 1;
      if (copies === 2) this.duplicateNext = undefined;
      for (let i = 0; i < copies; i++) {
        this.delivered++;
        this.defer(() => c.deliver(topic, payload));
      }
    }
  }

  /** @internal */
  schedule(fn: () => void): void {
    this.defer(fn);
  }
}

class MemoryClient implements Transport {
  connected = false;
  private events: TransportEvents | undefined;
  private readonly subscriptions = new Set<string>();

  constructor(
    private readonly broker: MemoryBroker,
    readonly clientId: string,
  ) {}

  start(events: TransportEvents): void {
    this.events = events;
    this.broker.attach(this);
  }

  publish(topic: string, payload: Uint8Array): void {
    if (this.connected) this.broker.route(topic, payload.slice());
  }

  subscribe(topic: string): void {
    this.subscriptions.add(topic);
  }

  async stop(): Promise<void> {
    this.drop();
    this.broker.detach(this);
    this.events = undefined;
  }

  wants(topic: string): boolean {
    for (const filter of this.subscriptions) if (matches(filter, topic)) return true;
    return false;
  }

  connect(): void {
    if (this.connected || this.events === undefined) return;
    this.connected = true;
    this.subscriptions.clear(); // clean session: subscriptions are made again on up()
    const events = this.events;
    this.broker.schedule(() => events.up());
  }

  drop(): void {
    if (!this.connected) return;
    this.connected = false;
    const events = this.events;
    this.broker.schedule(() => events?.down("connection lost"));
  }

  deliver(topic: string, payload: Uint8Array): void {
    if (this.connected) this.events?.message(topic, payload);
  }
}

function matches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
