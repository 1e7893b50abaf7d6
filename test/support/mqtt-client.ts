import mqtt, { type MqttClient } from "mqtt";

/** Connects as a second client would; resolves with the client, or with the CONNACK's refusal. */
export function tryConnect(url: string, o: mqtt.IClientOptions = {}): Promise<{ client?: MqttClient; refused?: string }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4, ...o });
    client.once("connect", () => resolve({ client }));
    client.once("error", (error) => {
      client.end(true);
      resolve({ refused: error.message });
    });
  });
}
