import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { tryConnect } from "../support/mqtt-client.js";
import { devicePassword } from "../../sdk/protocol/credentials.js";
import { startBroker, type EmbeddedBroker } from "../../sdk/desk/node/mqtt/broker.js";

const SECRET = new Uint8Array(16).fill(7);


describe("the embedded broker's logins (Aedes with BrokerAuth)", () => {
  let broker: EmbeddedBroker | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await broker?.close();
  });

  it("a failed login that reuses a live backend's client id changes nothing about that backend", async () => {
    broker = await startBroker({ port: 0, auth: { device: (id) => (id === "dev-1" ? { secret: SECRET, issuedAt: 0 } : undefined), backends: new Map([["cloud", "right"]]) } });
    const cloud = await tryConnect(broker.url, { clientId: "cloud-1", username: "cloud", password: "right" });
    const device = await tryConnect(broker.url, { clientId: "dev-1", username: "dev-1", password: devicePassword(SECRET, "dev-1", 0) });
    expect([cloud.refused, device.refused]).toEqual([undefined, undefined]);
    clients.push(cloud.client as MqttClient, device.client as MqttClient);
    // An attacker takes the cloud's client id with a wrong password, then as a device, then anonymously.
    expect((await tryConnect(broker.url, { clientId: "cloud-1", username: "cloud", password: "wrong" })).refused).toBeDefined();
    expect((await tryConnect(broker.url, { clientId: "cloud-1", username: "dev-1", password: "v1.0.00" })).refused).toBeDefined();
    expect((await tryConnect(broker.url, { clientId: "cloud-1" })).refused).toBeDefined();
    // The cloud still holds its rights: it reaches the device's downlink and hears its uplink.
    const down: string[] = [];
    const up: string[] = [];
    device.client?.on("message", (t) => down.push(t));
    cloud.client?.on("message", (t) => up.push(t));
    await device.client?.subscribeAsync("h/dev-1/d", { qos: 1 });
    const granted = await cloud.client?.subscribeAsync("h/+/u", { qos: 1 });
    expect(granted?.[0]?.qos).toBe(1);
    await cloud.client?.publishAsync("h/dev-1/d", Buffer.from([1]), { qos: 1 });
    await device.client?.publishAsync("h/dev-1/u", Buffer.from([2]), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(down).toEqual(["h/dev-1/d"]);
    expect(up).toEqual(["h/dev-1/u"]);
  });
});
