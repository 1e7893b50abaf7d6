import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { PostgresStore } from "../../sdk/cloud/store/node/postgres.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { outsideBroker, uniqueId } from "../support/brokers.js";
import { counterModel } from "../support/counter-app.js";
import { FakeFleet } from "../support/fake-fleet.js";
import { freshDatabase, postgresUrl } from "../support/postgres.js";

/**
 * Two cloud instances in one process, each with its own pool on one
 * PostgreSQL and its own session on Mosquitto, sharing the devices' uplink
 * through `$share/GROUP/h/+/u`: Mosquitto hands one device's messages to both
 * in turn, and the store must make them one fleet.
 */
const broker = outsideBroker();
const pgUrl = postgresUrl();
const model = counterModel as unknown as AnyModel;

describe.runIf(broker !== undefined && pgUrl !== undefined)("cloud tier: two instances, one PostgreSQL, one shared subscription", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const group = uniqueId("tier");
  const started: { cloud: Cloud; store: PostgresStore }[] = [];
  const instance = async (): Promise<{ cloud: Cloud; store: PostgresStore }> => {
    const store = await PostgresStore.open({ url: db.url });
    const transport = new MqttTransport({ url: broker!.url(), clientId: uniqueId("tier-cloud"), extra: { protocolVersion: 5 } });
    const cloud = new Cloud(transport, [model], Date.now, { store });
    await cloud.start({ uplink: `$share/${group}/h/+/u` });
    started.push({ cloud, store });
    return { cloud, store };
  };
  const stopAll = async (): Promise<void> => {
    for (const { cloud, store } of started.splice(0)) {
      await cloud.stop();
      await store.close();
    }
  };
  beforeAll(async () => {
    db = await freshDatabase(pgUrl as string);
  });
  afterAll(async () => {
    await stopAll();
    await db.drop();
  });

  it("reports of 200 devices spread over both: every acknowledged report stored once, each member the latest; sets and invokes settle where asked", async () => {
    const a = await instance();
    const b = await instance();
    const fleet = new FakeFleet(broker!.url(), model, { devices: 200, connections: 4, prefix: uniqueId("tier") });
    await fleet.start();
    for (let round = 1; round <= 10; round++) {
      for (const id of fleet.ids) fleet.report(id, { level: round * 5, label: `r${round}` });
      await new Promise((r) => setTimeout(r, 20));
    }
    await fleet.waitUntilAcked(30_000).catch((e: unknown) => {
      console.log({ a: a.cloud.intakeStats, b: b.cloud.intakeStats, fleet: fleet.stats });
      throw e;
    });
    expect(fleet.refusals).toEqual([]);
    // Both instances took a share (round robin), and neither was asked to take what the other had.
    expect(a.cloud.stats.received).toBeGreaterThan(200);
    expect(b.cloud.stats.received).toBeGreaterThan(200);

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const rows = (await c.query<{ device: string; seq: number; n: number }>("SELECT device, seq, count(*)::int AS n FROM hearth_history WHERE member = 'level' GROUP BY device, seq")).rows;
    const stored = new Map(rows.map((r) => [`${r.device}/${r.seq}`, r.n]));
    let acknowledged = 0;
    for (const [id, reports] of fleet.acked) {
      for (const seq of reports.keys()) {
        acknowledged++;
        expect(stored.get(`${id}/${seq}`), `${id} seq ${seq}`).toBe(1);
      }
    }
    expect(acknowledged).toBe(2000);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const latest = await c.query<{ value: number }>("SELECT value FROM hearth_reported WHERE member = 'level'");
    expect(latest.rows.length).toBe(200);
    expect(latest.rows.every((r) => r.value === 50)).toBe(true);
    await c.end();

    // Sets through A and invokes through B: the device's answer reaches either instance, and settles where asked.
    const ids = fleet.ids.slice(0, 20);
    await Promise.all(ids.map((id) => a.cloud.device(id, counterModel).set({ level: 7 }, { timeoutMs: 10_000 })));
    const results = await Promise.all(ids.map((id, i) => b.cloud.device(id, counterModel).invoke("echo", { x: i }, { timeoutMs: 10_000 })));
    expect(results).toEqual(ids.map((_, i) => ({ x: i })));
    expect(a.cloud.stats.forwarded + b.cloud.stats.forwarded).toBeGreaterThan(0);
    for (const id of ids) expect(fleet.setVersions.get(id)).toEqual([1]);
    await fleet.stop();
  });

  it("the whole tier restarted: desired versions continue from the store, and no device is told a version it already had", async () => {
    await stopAll();
    const fleet = new FakeFleet(broker!.url(), model, { devices: 5, connections: 1, prefix: uniqueId("restart") });
    const a = await instance();
    await fleet.start();
    await fleet.waitUntilAcked(10_000);
    for (const id of fleet.ids) {
      await a.cloud.device(id, counterModel).set({ level: 1 });
      await a.cloud.device(id, counterModel).set({ level: 2 });
    }
    await stopAll();
    const again = await instance();
    for (const id of fleet.ids) await again.cloud.device(id, counterModel).set({ label: "after" });
    for (const id of fleet.ids) {
      expect(fleet.setVersions.get(id)).toEqual([1, 2, 3]);
      // The device's ack is noted in the store as it comes (not awaited by the set).
      await expect.poll(() => again.store.desired(id)).toEqual({ version: 3, values: { level: 2, label: "after" }, deviceVersion: 3 });
    }
    await fleet.stop();
  });
});
