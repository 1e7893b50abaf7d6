import { connect, type Socket } from "node:net";
import { Backoff, type BackoffOptions } from "../../../device/link/backoff.js";
import type { Transport, TransportEvents } from "../../../protocol/transport.js";
import { connackReason } from "./transport.js";

export interface LeanMqttOptions {
  /** mqtt://host:port (plain TCP: a fleet's devices on a loopback or lab broker; TLS takes MqttTransport). */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  will?: { topic: string; payload: Uint8Array };
  /** The local address to connect from (127.x.y.z spreads a big fleet past one address's 64K ports). */
  localAddress?: string;
  reconnect?: BackoffOptions & { random?: () => number };
  /** Seconds; a PINGREQ goes out when nothing else has for this long. Default 30. */
  keepaliveS?: number;
  /** The broker refused the login (its CONNACK's return code, said in words); the transport keeps retrying. */
  onRefused?: (reason: string) => void;
}

const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBSCRIBE = 8, SUBACK = 9, PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14;
const utf8 = new TextEncoder();

/**
 * The link's transport as a lean MQTT 3.1.1 client over one TCP socket: what
 * a device of a fleet needs (CONNECT with credentials and a will, QoS 1
 * publish, subscribe, QoS 0/1 receive, keepalive, reconnect with backoff and
 * full jitter) and nothing else, so a simulated appliance costs a socket and
 * a few small objects rather than a whole MQTT.js client (17 KiB of heap
 * each, measured). Sessions are clean: what was in flight when a connection
 * died is the link's to resend (its outbox does, by seq). Node-only.
 */
export class LeanMqttTransport implements Transport {
  private socket: Socket | undefined;
  private events: TransportEvents | undefined;
  private readonly backoff: Backoff;
  private retry: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private stopped = false;
  private up = false;
  private nextId = 0;
  /** Bytes of a packet not yet whole. */
  private pending: Buffer | undefined;
  private sentAt = 0;

  constructor(private readonly options: LeanMqttOptions) {
    this.backoff = new Backoff(options.reconnect?.random ?? Math.random, options.reconnect);
  }

  start(events: TransportEvents): void {
    this.events = events;
    this.open();
  }

  publish(topic: string, payload: Uint8Array): void {
    if (!this.up) return;
    const t = utf8.encode(topic);
    this.send(PUBLISH << 4 | 0b0010, [u16(t.length), t, u16(this.packetId()), payload]);
  }

  subscribe(topic: string): void {
    if (!this.up) return;
    const t = utf8.encode(topic);
    this.send(SUBSCRIBE << 4 | 0b0010, [u16(this.packetId()), u16(t.length), t, Uint8Array.of(1)]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined || socket.destroyed) return;
    if (this.up) socket.write(Uint8Array.of(DISCONNECT << 4, 0));
    this.up = false;
    await new Promise<void>((resolve) => socket.end(resolve));
    socket.destroy();
  }

  drop(): void {
    this.stopped = true;
    this.clearTimers();
    // No DISCONNECT: to the broker the device vanished, and it publishes the will.
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): void {
    const url = new URL(this.options.url);
    if (url.protocol !== "mqtt:") throw new RangeError(`LeanMqttTransport speaks plain mqtt://, not ${url.protocol}`);
    const socket = connect({ host: url.hostname, port: Number(url.port || 1883), noDelay: true, ...(this.options.localAddress === undefined ? {} : { localAddress: this.options.localAddress }) });
    this.socket = socket;
    this.pending = undefined;
    socket.on("connect", () => socket.write(this.connectPacket()));
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", (error) => this.events?.down(error.message));
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.clearTimers();
      const wasUp = this.up;
      this.up = false;
      if (wasUp) this.backoff.disconnected(Date.now());
      this.events?.down("connection closed");
      this.scheduleReconnect();
    });
  }

  private connectPacket(): Uint8Array {
    const o = this.options;
    const flags = 0b10 | (o.will === undefined ? 0 : 0b1100) | (o.password === undefined ? 0 : 0x40) | (o.username === undefined ? 0 : 0x80);
    const parts: Uint8Array[] = [Uint8Array.of(0, 4, 77, 81, 84, 84, 4, flags), u16(o.keepaliveS ?? 30), str(o.clientId)];
    if (o.will !== undefined) parts.push(str(o.will.topic), u16(o.will.payload.length), o.will.payload);
    if (o.username !== undefined) parts.push(str(o.username));
    if (o.password !== undefined) parts.push(str(o.password));
    return packet(CONNECT << 4, parts);
  }

  private received(chunk: Buffer): void {
    let data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      // Fixed header: type and flags, then the remaining length (1 to 4 bytes, 7 bits each).
      let length = 0;
      let at = 1;
      for (let shift = 0; ; shift += 7, at++) {
        if (at >= data.length) return void (this.pending = data);
        const byte = data[at] as number;
        length += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0) break;
        if (shift >= 21) return this.fail("malformed remaining length");
      }
      const end = at + 1 + length;
      if (data.length < end) return void (this.pending = data);
      this.handle(data[0] as number, data.subarray(at + 1, end));
      if (end === data.length) return void (this.pending = undefined);
      data = data.subarray(end);
    }
  }

  private handle(first: number, body: Buffer): void {
    const type = first >> 4;
    if (type === CONNACK) {
      const code = body[1] ?? 0;
      if (code !== 0) {
        this.options.onRefused?.(connackReason(code));
        return this.fail(`broker refused the connection (CONNACK code ${code}: ${connackReason(code)})`);
      }
      this.up = true;
      this.backoff.connected(Date.now());
      this.keepAlive();
      this.events?.up();
    } else if (type === PUBLISH) {
      const qos = (first >> 1) & 3;
      const topicLength = body.readUInt16BE(0);
      const topic = body.toString("utf8", 2, 2 + topicLength);
      const start = 2 + topicLength + (qos > 0 ? 2 : 0);
      // Copied: the chunk's memory is reused for the next read.
      const payload = new Uint8Array(body.subarray(start));
      if (qos > 0) this.send(PUBACK << 4, [body.subarray(2 + topicLength, start)]);
      this.events?.message(topic, payload);
    } else if (type !== PUBACK && type !== SUBACK && type !== PINGRESP) this.fail(`unexpected MQTT packet type ${type}`);
  }

  private send(first: number, parts: Uint8Array[]): void {
    this.sentAt = Date.now();
    this.socket?.write(packet(first, parts));
  }

  private keepAlive(): void {
    const everyMs = (this.options.keepaliveS ?? 30) * 1000;
    this.pinger = setInterval(() => {
      if (Date.now() - this.sentAt >= everyMs / 2) this.send(PINGREQ << 4, []);
    }, everyMs / 2);
    this.pinger.unref();
  }

  private packetId(): number {
    this.nextId = (this.nextId % 0xffff) + 1;
    return this.nextId;
  }

  private fail(why: string): void {
    this.events?.down(why);
    this.socket?.destroy();
  }

  private clearTimers(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    if (this.pinger !== undefined) clearInterval(this.pinger);
    this.retry = undefined;
    this.pinger = undefined;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped) this.open();
    }, this.backoff.next());
  }
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function str(s: string): Uint8Array {
  const b = utf8.encode(s);
  const out = new Uint8Array(2 + b.length);
  out.set(u16(b.length));
  out.set(b, 2);
  return out;
}

/** A whole packet: the fixed header's first byte, the remaining length, the parts. */
function packet(first: number, parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const header = [first];
  let n = length;
  do {
    header.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
