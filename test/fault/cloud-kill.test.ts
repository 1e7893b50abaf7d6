import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { PostgresStore } from "../../sdk/cloud/store/node/postgres.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { outsideBroker, uniqueId } from "../support/brokers.js";
import { spawnInstance, stopInstance, tokenFile } from "../support/cloud-instance.js";
import { counterModel } from "../support/counter-app.js";
import { audit, FakeFleet } from "../support/fake-fleet.js";
import { freshDatabase, ownCluster, postgresUrl } from "../support/postgres.js";

/**
 * Faults as an operator meets them, against Mosquitto and a real PostgreSQL:
 * an instance killed with SIGKILL while a thousand devices report and
 * commands are in flight, and PostgreSQL restarted under load. What must
 * hold: every report the cloud acknowledged is in the store, once.
 */
const broker = outsideBroker();
const pgUrl = postgresUrl();
const model = counterModel as unknown as AnyModel;

describe.runIf(broker !== undefined && pgUrl !== undefined)("cloud faults (Mosquitto, PostgreSQL)", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase(pgUrl as string);
  });
  afterAll(() => db.drop());

  it("kill -9 one of two instances while 1,000 devices report and invokes are in flight: 0 acknowledged reports lost, 0 taken twice, every invoke settles or fails by name", async () => {
    const tokens = tokenFile();
    const group = uniqueId("kill");
    const options = { broker: broker!.url(), store: db.url, tokens: tokens.path, group };
    const [a, b] = await Promise.all([spawnInstance(options), spawnInstance(options)]);
    // Whatever happens below, no instance outlives the test (one left running would answer the next test's devices).
    onTestFinished(() => Promise.all([stopInstance(a.process, "SIGKILL"), stopInstance(b.process, "SIGKILL")]).then(() => undefined));
    const fleet = new FakeFleet(broker!.url(), model, { devices: 1000, connections: 10, prefix: uniqueId("kill"), resendMs: 1500 });
    await fleet.start();
    await fleet.waitUntilAcked(30_000);
    // Invokes through B's API, whose results the broker may hand to A.
    const invoke = (id: string, x: number) =>
      fetch(`${b.url}/v1/devices/${id}/actions/echo`, { method: "POST", headers: { authorization: `Bearer ${tokens.token}`, "content-type": "application/json" }, body: JSON.stringify({ params: { x }, timeoutMs: 15_000 }) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { result?: { x: number }; error?: string } }),
      );
    const invokes: Promise<{ status: number; body: { result?: { x: number }; error?: string } }>[] = [];
    for (let round = 1; round <= 6; round++) {
      for (const id of fleet.ids) fleet.report(id, { level: round });
      if (round <= 3) for (const id of fleet.ids.slice(0, 20)) invokes.push(invoke(id, round));
      if (round === 3) await stopInstance(a.process, "SIGKILL");
      await new Promise((r) => setTimeout(r, 150));
    }
    await fleet.waitUntilAcked(60_000);
    const result = await audit(db.url, fleet);
    expect(result).toEqual({ acknowledged: 1000 * 6, missing: 0, duplicates: 0 });
    const answers = await Promise.all(invokes);
    for (const [i, answer] of answers.entries()) {
      // Settled with its own result, or failed with an error PROTOCOL.md names.
      if (answer.status === 200) expect(answer.body.result).toEqual({ x: Math.floor(i / 20) + 1 });
      else expect(["timeout", "offline"]).toContain(answer.body.error);
    }
    expect(fleet.refusals).toEqual([]);
    await fleet.stop();
    await stopInstance(b.process, "SIGTERM");
  });
});

describe.runIf(broker !== undefined && pgUrl !== undefined)("cloud faults: PostgreSQL restarted under load", () => {
  it("the instance waits and goes on; nothing is acknowledged that was not committed", async () => {
    const cluster = ownCluster();
    try {
      const store = await PostgresStore.open({ url: cluster.url });
      const group = uniqueId("pgrestart");
      const cloud = new Cloud(new MqttTransport({ url: broker!.url(), clientId: uniqueId("pgrestart-cloud"), extra: { protocolVersion: 5 } }), [model], Date.now, { store });
      await cloud.start({ uplink: `$share/${group}/h/+/u` });
      const fleet = new FakeFleet(broker!.url(), model, { devices: 200, connections: 2, prefix: uniqueId("pgr"), resendMs: 1500 });
      await fleet.start();
      await fleet.waitUntilAcked(20_000);
      let restarted: Promise<void> | undefined;
      for (let round = 1; round <= 8; round++) {
        for (const id of fleet.ids) fleet.report(id, { level: round });
        if (round === 3) restarted = cluster.restart(); // a fast shutdown: open transactions are rolled back
        await new Promise((r) => setTimeout(r, 100));
      }
      await restarted;
      await fleet.waitUntilAcked(60_000);
      expect(cloud.intakeStats.failures).toBeGreaterThan(0); // the restart was felt, and waited out
      expect(await audit(cluster.url, fleet)).toEqual({ acknowledged: 200 * 8, missing: 0, duplicates: 0 });
      await fleet.stop();
      await cloud.stop();
      await store.close();
    } finally {
      cluster.stop();
    }
  });
});
