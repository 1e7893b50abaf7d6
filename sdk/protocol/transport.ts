import { frozen } from "../../hal/frozen.js";
/**
 * The link's transport port: an MQTT-like session that carries frames on
 * topics, at least once (QoS 1). Implementations: MQTT.js on Node
 * (sdk/desk/node/mqtt/transport.ts); on a chip, the native binding's socket.
 */
export interface TransportEvents {
  /** The session is up; subscriptions must be made again after this. */
  up(): void;
  /** The session is down; the transport keeps trying to reconnect. */
  down(reason: string): void;
  message(topic: string, payload: Uint8Array): void;
}

export interface Transport {
  start(events: TransportEvents): void;
  publish(topic: string, payload: Uint8Array): void;
  subscribe(topic: string): void;
  stop(): Promise<void>;
  /**
   * Optional, for simulated faults: the connection dies as under a dead
   * network (no goodbye, so the broker publishes the will) and stays down.
   */
  drop?(): void;
}

/** Topics: short, and confined per device so a broker ACL can pattern-match the user name. */
export const topics = frozen({
  /** Device to cloud. */
  up: (deviceId: string): string => `h/${deviceId}/u`,
  /** Cloud to device. */
  down: (deviceId: string): string => `h/${deviceId}/d`,
  /** Everything every device sends, for the cloud side. */
  allUp: "h/+/u",
  /** The device id in an uplink topic, or undefined if it is not one. */
  deviceOf(topic: string): string | undefined {
    const m = /^h\/([^/+#]+)\/u$/.exec(topic);
    return m?.[1];
  },
});

const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkDeviceId(id: string): string {
  if (!DEVICE_ID.test(id)) throw new RangeError(`device id ${JSON.stringify(id)} must be 1..64 of A-Z a-z 0-9 _ -`);
  return id;
}
