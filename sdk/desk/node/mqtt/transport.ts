import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { Backoff, type BackoffOptions } from "../../../device/link/backoff.js";
import type { Transport, TransportEvents } from "../../../protocol/transport.js";

export interface MqttTransportOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** Published by the broker if this session drops without saying goodbye. */
  will?: { topic: string; payload: Uint8Array };
  /** Reconnects: exponential backoff with full jitter (see sdk/device/link/backoff.ts). */
  reconnect?: BackoffOptions & { random?: () => number };
  /** TLS: the CA that signed the broker's certificate (PEM), for mqtts:// URLs. */
  ca?: string | Buffer;
  /** Called before every reconnect attempt, with its delay: for tests and fleet statistics. */
  onAttempt?: (delayMs: number) => void;
  /** The broker refused the login (its CONNACK's return code, said in words); the transport keeps retrying. */
  onRefused?: (reason: string) => void;
  /** Extra MQTT.js options. */
  extra?: IClientOptions;
}

/** MQTT 3.1.1's CONNACK return codes other than 0 (accepted), in words. */
const CONNACK_REFUSALS: Record<number, string> = {
  1: "unacceptable protocol version",
  2: "client id rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorised",
};

/** A CONNACK's return code other than 0, in words. */
export function connackReason(code: number): string {
  return CONNACK_REFUSALS[code] ?? `refused (return code ${code})`;
}

/** The broker's refusal in a CONNACK (MQTT.js raises it as an error with the return code), or undefined for any other error. */
export function connackRefusal(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" && /refused|not authori|bad user/i.test((error as Error).message) ? connackReason(code) : undefined;
}

/** A broker refused a login: whose, and why (said to the user as it is: exit 2). */
export class LoginRefusedError extends Error {
  override readonly name = "LoginRefusedError";
}

/**
 * The link's transport over MQTT.js, QoS 1. Reconnecting is this class's
 * job, not MQTT.js's: each attempt waits a random time in a window that
 * doubles up to a cap, so a fleet that lost its broker comes back spread out.
 * Node-only.
 */
export class MqttTransport implements Transport {
  private client: MqttClient | undefined;
  private readonly backoff: Backoff;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private corked = false;

  constructor(private readonly options: MqttTransportOptions) {
    this.backoff = new Backoff(options.reconnect?.random ?? Math.random, options.reconnect);
  }

  start(events: TransportEvents): void {
    const o = this.options;
    const client = mqtt.connect(o.url, {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      subscribeBatchSize: 1000,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.will === undefined ? {} : { will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: false } }),
      ...o.extra,
    });
    this.client = client;
    client.on("connect", () => {
      // Small frames, sent now: Nagle's algorithm would hold them for the peer's delayed ACK.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      holdRepliesPerRead(client.stream);
      this.backoff.connected(Date.now());
      events.up();
    });
    client.on("close", () => {
      events.down("connection closed");
      this.backoff.disconnected(Date.now());
      this.scheduleReconnect(client);
    });
    client.on("error", (error) => {
      const refused = connackRefusal(error);
      if (refused !== undefined) o.onRefused?.(refused);
      events.down(error.message);
    });
    client.on("message", (topic, payload) => events.message(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)));
  }

  publish(topic: string, payload: Uint8Array): void {
    const client = this.client;
    if (client === undefined) return;
    // Frames published in one turn of the event loop (a batch of a cloud's acks) leave in one write:
    // one system call for the lot, not one each (it was a sixth of a cloud instance's time).
    const stream = client.stream as { cork?: () => void; uncork?: () => void } | undefined;
    if (!this.corked && stream?.cork !== undefined) {
      this.corked = true;
      stream.cork();
      process.nextTick(() => {
        this.corked = false;
        stream.uncork?.();
      });
    }
    client.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: 1 });
  }

  subscribe(topic: string): void {
    this.client?.subscribe(topic, { qos: 1 });
  }

  /** Many topics in few SUBSCRIBE packets (a fleet's cloud watching each of its devices' topics). */
  subscribeMany(topics: readonly string[]): void {
    this.client?.subscribe([...topics], { qos: 1 });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.endAsync(true);
  }

  drop(): void {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    // The socket goes without a DISCONNECT: to the broker, the device vanished.
    client.stream?.destroy();
    client.end(true);
  }

  private scheduleReconnect(client: MqttClient): void {
    if (this.stopped || this.retry !== undefined) return;
    const delay = this.backoff.next();
    this.options.onAttempt?.(delay);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped) client.reconnect();
    }, delay);
  }
}

const holding = new WeakSet<object>();

/**
 * MQTT.js handles each packet it reads in a turn of its own, and acknowledges
 * a QoS 1 message (PUBACK) as it handles it: a burst of a thousand messages
 * went back as a thousand writes, the largest cost of a cloud instance. Held
 * from the read until the loop has handled all it read, they leave in one.
 */
function holdRepliesPerRead(stream: MqttClient["stream"]): void {
  if (holding.has(stream) || typeof stream.cork !== "function") return;
  holding.add(stream);
  let held = false;
  stream.on("data", () => {
    if (held) return;
    held = true;
    stream.cork();
    setImmediate(() => {
      held = false;
      stream.uncork();
    });
  });
}

