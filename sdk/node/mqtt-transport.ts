import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Transport, TransportEvents } from "../link/transport.js";

export interface MqttTransportOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** Published by the broker if this session drops without saying goodbye. */
  will?: { topic: string; payload: Uint8Array };
  /** Milliseconds between reconnect attempts. Default 1000. */
  reconnectMs?: number;
  /** Extra MQTT.js options (TLS: ca, cert, key, rejectUnauthorized). */
  extra?: IClientOptions;
}

/** The link's transport over MQTT.js, QoS 1. Node-only. */
export class MqttTransport implements Transport {
  private client: MqttClient | undefined;

  constructor(private readonly options: MqttTransportOptions) {}

  start(events: TransportEvents): void {
    const o = this.options;
    const client = mqtt.connect(o.url, {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      reconnectPeriod: o.reconnectMs ?? 1000,
      connectTimeout: 10_000,
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.will === undefined ? {} : { will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: false } }),
      ...o.extra,
    });
    this.client = client;
    client.on("connect", () => events.up());
    client.on("close", () => events.down("connection closed"));
    client.on("error", (error) => events.down(error.message));
    client.on("message", (topic, payload) => events.message(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length)));
  }

  publish(topic: string, payload: Uint8Array): void {
    this.client?.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: 1 });
  }

  subscribe(topic: string): void {
    this.client?.subscribe(topic, { qos: 1 });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.endAsync();
  }
}
