import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tierSetup, writeMosquittoConfig } from "../../sdk/desk/node/mqtt/mosquitto-config.js";
import { outsideBroker } from "../support/brokers.js";
import { freePort, mosquittoBinary, OwnMosquitto } from "../support/mosquitto.js";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devicePassword } from "../../sdk/protocol/credentials.js";
import { topics } from "../../sdk/protocol/transport.js";
import { startBroker, type EmbeddedBroker } from "../../sdk/desk/node/mqtt/broker.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import { makeCertificates } from "../support/tls.js";

const secretA = new TextEncoder().encode("secret-of-device-a-0123456789");
const secretB = new TextEncoder().encode("secret-of-device-b-0123456789");
const ISSUED = 1_700_000_000_000;
const registry = new Map([
  ["devA", { secret: secretA, issuedAt: ISSUED }],
  ["devB", { secret: secretB, issuedAt: ISSUED }],
]);
const auth = { device: (id: string) => registry.get(id), backends: new Map([["cloud", "cloud-password"]]) };

/** Connects a raw MQTT.js client; resolves with it, or rejects with the broker's refusal. */
function connect(url: string, clientId: string, username: string, password: string, extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, username, password, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
    client.once("connect", () => resolve(client));
    client.once("error", (error) => {
      client.end(true);
      reject(error);
    });
  });
}

/** Whether `listener` hears anything on `topic` within `ms` after `act` runs. */
async function hears(listener: mqtt.MqttClient, topic: string, act: () => void, ms = 400): Promise<boolean> {
  await listener.subscribeAsync(topic, { qos: 1 });
  let heard = false;
  const onMessage = (t: string): void => void (t === topic && (heard = true));
  listener.on("message", onMessage);
  act();
  await new Promise((r) => setTimeout(r, ms));
  listener.off("message", onMessage);
  return heard;
}

describe("security on the embedded broker", () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startBroker({ port: 0, auth });
  });
  afterAll(async () => {
    await broker.close();
  });

  it("a device's credentials work for it and confine it to its own topics", async () => {
    const a = await connect(broker.url, "devA", "devA", devicePassword(secretA, "devA", ISSUED));
    const cloud = await connect(broker.url, "cloud-1", "cloud", "cloud-password");
    expect(await hears(cloud, topics.up("devA"), () => a.publish(topics.up("devA"), "ok", { qos: 0 }))).toBe(true);
    // Publishing as B is refused (Aedes drops the message and the connection).
    expect(await hears(cloud, topics.up("devB"), () => a.publish(topics.up("devB"), "forged", { qos: 0 }))).toBe(false);
    const a2 = await connect(broker.url, "devA", "devA", devicePassword(secretA, "devA", ISSUED));
    // Subscribing to B's downlink is refused: the grant says failure (128), and nothing for B arrives.
    await expect(a2.subscribeAsync(topics.down("devB"), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    let leaked = false;
    a2.on("message", () => (leaked = true));
    cloud.publish(topics.down("devB"), "for B", { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(leaked).toBe(false);
    a.end(true);
    a2.end(true);
    cloud.end(true);
  });

  it("a wrong secret, a stale or malformed password, or another device's name are refused", async () => {
    await expect(connect(broker.url, "devA", "devA", devicePassword(secretB, "devA", ISSUED))).rejects.toThrow(/Bad username or password|Not authorized/);
    await expect(connect(broker.url, "devA", "devA", devicePassword(secretA, "devA", ISSUED - 1000))).rejects.toThrow();
    // One rule on both brokers: a later credential than the broker was told of is not issued (Mosquitto's file holds only the current one).
    await expect(connect(broker.url, "devA", "devA", devicePassword(secretA, "devA", ISSUED + 1000))).rejects.toThrow();
    await expect(connect(broker.url, "devA", "devA", "hunter2")).rejects.toThrow();
    await expect(connect(broker.url, "devA", "devB", devicePassword(secretB, "devB", ISSUED))).rejects.toThrow();
  });
});

describe("TLS", () => {
  it("the link connects over mqtts with the CA the user supplies, and not without it", async () => {
    const certs = makeCertificates();
    const broker = await startBroker({ port: 0, tls: { key: certs.key, cert: certs.cert } });
    try {
      expect(broker.url).toMatch(/^mqtts:/);
      const transport = new MqttTransport({ url: broker.url, clientId: "tls-dev", ca: certs.ca });
      await new Promise<void>((resolve) => transport.start({ up: resolve, down: () => undefined, message: () => undefined }));
      await transport.stop();
      await expect(connect(broker.url, "tls-other", "x", "y", { ca: certs.otherCa })).rejects.toThrow(/certificate/);
    } finally {
      await broker.close();
    }
  });
});


// Mosquitto is there wherever HEARTH_TEST_MQTT_URL is set (CI installs it); outsideBroker() fails in CI without it.
const mosquitto = outsideBroker() === undefined ? undefined : mosquittoBinary();
describe.skipIf(mosquitto === undefined)("security on Mosquitto with the generated configuration", () => {
  let broker: OwnMosquitto;
  let url: string;
  const { group, logins: tier } = tierSetup({ instances: 2, tools: ["ota"] });
  beforeAll(async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "hearth-mosquitto-"));
    const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
    const files = writeMosquittoConfig(dir, {
      port,
      devices: [
        { id: "devA", secret: hex(secretA), issuedAt: ISSUED },
        { id: "devB", secret: hex(secretB), issuedAt: ISSUED },
      ],
      backends: [{ user: "cloud", password: "cloud-password" }, ...tier],
    });
    expect(files.conf.startsWith("/")).toBe(true);
    broker = new OwnMosquitto(mosquitto as string, files.conf, port);
    await broker.start();
    url = `mqtt://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await broker?.kill();
  });

  it("device A can neither publish to nor read device B's topics; its own work", async () => {
    const a = await connect(url, "devA", "devA", devicePassword(secretA, "devA", ISSUED));
    const cloud = await connect(url, "cloud-1", "cloud", "cloud-password");
    expect(await hears(cloud, topics.up("devA"), () => a.publish(topics.up("devA"), "ok", { qos: 1 }))).toBe(true);
    expect(await hears(cloud, topics.up("devB"), () => a.publish(topics.up("devB"), "forged", { qos: 1 }))).toBe(false);
    let leaked = false;
    a.on("message", () => (leaked = true));
    await a.subscribeAsync(topics.down("devB"), { qos: 1 }).catch(() => undefined);
    cloud.publish(topics.down("devB"), "for B", { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(leaked).toBe(false);
    a.end(true);
    cloud.end(true);
  });

  it("a tier's logins: two instances and a tool at once, none knocked off, the instances sharing the uplink; a device cannot join them", async () => {
    expect(tier.map((l) => l.user)).toEqual(["cloud-1", "cloud-2", "tool-ota"]);
    expect(new Set(tier.map((l) => l.password)).size).toBe(3);
    const [one, two, ota] = await Promise.all(tier.map((l) => connect(url, `${l.user}-asks-any-id`, l.user, l.password, { protocolVersion: 5 })));
    const closed: string[] = [];
    for (const [name, c] of [["cloud-1", one], ["cloud-2", two], ["tool-ota", ota]] as const) c?.on("close", () => closed.push(name));
    const got = { one: 0, two: 0 };
    one?.on("message", () => got.one++);
    two?.on("message", () => got.two++);
    await one?.subscribeAsync(`$share/${group}/h/+/u`, { qos: 1 });
    await two?.subscribeAsync(`$share/${group}/h/+/u`, { qos: 1 });
    const a = await connect(url, "devA", "devA", devicePassword(secretA, "devA", ISSUED));
    // A device that tries to join a shared group (the default name; the tier's is a secret it cannot guess)
    // hears nothing of the fleet, and takes no share of it (Mosquitto checks a wildcard's ACL on delivery).
    let eavesdropped = 0;
    a.on("message", () => eavesdropped++);
    await a.subscribeAsync("$share/hearth/h/+/u", { qos: 1 }).catch(() => undefined);
    for (let i = 0; i < 20; i++) a.publish(topics.up("devA"), `m${i}`, { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(got.one + got.two).toBe(20);
    expect(got.one).toBeGreaterThan(0);
    expect(got.two).toBeGreaterThan(0);
    expect(eavesdropped).toBe(0);
    expect(closed).toEqual([]);
    // The same login twice: the broker keeps one session (the client id is the login), which is why each has its own.
    const again = await connect(url, "whatever", "cloud-1", tier[0]?.password as string, { protocolVersion: 5 });
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toEqual(["cloud-1"]);
    for (const c of [one, two, ota, a, again]) c?.end(true);
  });

  it("a wrong secret or a stale credential is refused", async () => {
    await expect(connect(url, "devA", "devA", devicePassword(secretB, "devA", ISSUED))).rejects.toThrow();
    await expect(connect(url, "devA", "devA", devicePassword(secretA, "devA", ISSUED - 1000))).rejects.toThrow();
    await expect(connect(url, "devA", "devA", devicePassword(secretA, "devA", ISSUED + 1000))).rejects.toThrow();
  });

  it("a device that gives another device's client id cannot knock it off (use_username_as_clientid)", async () => {
    const b = await connect(url, "devB", "devB", devicePassword(secretB, "devB", ISSUED));
    let bClosed = false;
    b.on("close", () => (bClosed = true));
    const a = await connect(url, "devB", "devA", devicePassword(secretA, "devA", ISSUED));
    await new Promise((r) => setTimeout(r, 500));
    expect(bClosed).toBe(false);
    expect(b.connected).toBe(true);
    a.end(true);
    b.end(true);
  });
});
