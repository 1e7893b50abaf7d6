import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { startBroker } from "../../sdk/desk/node/mqtt/broker.js";
import { LeanMqttTransport } from "../../sdk/desk/node/mqtt/lean-transport.js";
import { devicePassword } from "../../sdk/protocol/credentials.js";
import type { TransportEvents } from "../../sdk/protocol/transport.js";
import { embeddedBroker, outsideBroker, uniqueId, type TestBroker } from "../support/brokers.js";

const until = async (done: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A lean transport with its events recorded. */
function lean(url: string, id: string, extra: Partial<ConstructorParameters<typeof LeanMqttTransport>[0]> = {}) {
  const t = new LeanMqttTransport({ url, clientId: id, will: { topic: `h/${id}/u`, payload: Uint8Array.of(0xde, 0xad) }, ...extra });
  const heard: { topic: string; payload: Uint8Array }[] = [];
  const seen = { ups: 0, downs: [] as string[] };
  const events: TransportEvents = { up: () => seen.ups++, down: (why) => seen.downs.push(why), message: (topic, payload) => heard.push({ topic, payload }) };
  t.start(events);
  return { t, heard, seen };
}

function leanAgainst(broker: TestBroker): void {
  describe(`the lean MQTT transport against ${broker.name}, watched by MQTT.js`, () => {
    it("publishes QoS 1 (small, 2-byte and 3-byte lengths), receives QoS 0 and 1 whole, and its will goes out only when it drops", async () => {
      await broker.start();
      const id = uniqueId("lean");
      const watcher = await mqtt.connectAsync(broker.url(), { clientId: uniqueId("w"), reconnectPeriod: 0 });
      const got: { topic: string; payload: Buffer }[] = [];
      watcher.on("message", (topic, payload) => got.push({ topic, payload }));
      await watcher.subscribeAsync(`h/${id}/u`, { qos: 1 });
      const a = lean(broker.url(), id);
      try {
        await until(() => a.seen.ups === 1);
        a.t.subscribe(`h/${id}/d`);
        const sizes = [3, 300, 20_000];
        for (const n of sizes) a.t.publish(`h/${id}/u`, new Uint8Array(n).map((_, i) => i * 7));
        await until(() => got.length === 3);
        expect(got.map((g) => g.payload.length)).toEqual(sizes);
        expect([...got[2]!.payload.subarray(0, 4)]).toEqual([0, 7, 14, 21]);
        // Downlinks: several in one read, a big one across reads.
        await new Promise((r) => setTimeout(r, 200)); // the SUBACK
        await watcher.publishAsync(`h/${id}/d`, Buffer.from([1, 2, 3]), { qos: 1 });
        await watcher.publishAsync(`h/${id}/d`, Buffer.alloc(70_000, 9), { qos: 0 });
        await watcher.publishAsync(`h/${id}/d`, Buffer.from([4]), { qos: 1 });
        await until(() => a.heard.length === 3);
        expect(a.heard.map((h) => h.payload.length)).toEqual([3, 70_000, 1]);
        expect(a.heard[1]!.payload.every((b) => b === 9)).toBe(true);
        await a.t.stop();
        await new Promise((r) => setTimeout(r, 300));
        expect(got.length).toBe(3); // a goodbye: no will

        const b = lean(broker.url(), id);
        await until(() => b.seen.ups === 1);
        b.t.drop();
        await until(() => got.length === 4);
        expect([...got[3]!.payload]).toEqual([0xde, 0xad]);
      } finally {
        await watcher.endAsync(true);
        await broker.stop();
      }
    });
  });
}

leanAgainst(embeddedBroker());
const outside = outsideBroker();
if (outside !== undefined) leanAgainst(outside);

describe("the lean MQTT transport with credentials (embedded broker checking them)", () => {
  it("logs in with the device's HMAC password; a wrong one is refused (onRefused says why) and it tries again later, never up", async () => {
    const secret = new Uint8Array(32).fill(3);
    const broker = await startBroker({ port: 0, auth: { device: (id) => (id.startsWith("good") ? { secret, issuedAt: 5 } : undefined), backends: new Map() } });
    try {
      const good = lean(broker.url, "good-1", { username: "good-1", password: devicePassword(secret, "good-1", 5) });
      await until(() => good.seen.ups === 1);
      const refusals: string[] = [];
      const bad = lean(broker.url, "good-2", { username: "good-2", password: devicePassword(new Uint8Array(32), "good-2", 5), reconnect: { baseMs: 50, capMs: 100 }, onRefused: (reason) => refusals.push(reason) });
      await until(() => bad.seen.downs.length >= 2);
      expect(bad.seen.ups).toBe(0);
      expect(bad.seen.downs.some((d) => /refused/.test(d))).toBe(true);
      // The CONNACK's return code, in words, for the fleet to stop with (LoginRefusedError).
      expect(refusals[0]).toMatch(/bad user name or password|not authorised/);
      await good.t.stop();
      await bad.t.stop();
    } finally {
      await broker.close();
    }
  });
});
