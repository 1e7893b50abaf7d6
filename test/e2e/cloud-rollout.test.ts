import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import { airconModel } from "../../examples/aircon/model.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { PacedClock } from "../../os/node/host-clock.js";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { PostgresStore } from "../../sdk/cloud/store/node/postgres.js";
import { loadBundle } from "../../sdk/desk/node/host/load-bundle.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { OtaPhase } from "../../sdk/protocol/envelope.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { outsideBroker, uniqueId } from "../support/brokers.js";
import { airconImage, factoryFlash, keys } from "../support/ota.js";
import { freshDatabase, postgresUrl } from "../support/postgres.js";

/**
 * A rollout started through one instance of a tier, whose devices said hello
 * to the other: Mosquitto hands a shared subscription's messages out in turn,
 * so each instance holds the presence of about half the fleet, and any of them
 * may receive a device's fetch. Every device must still be offered the update
 * and served the image.
 */
const broker = outsideBroker();
const pgUrl = postgresUrl();
const DEVICES = 4;

describe.runIf(broker !== undefined && pgUrl !== undefined)("a rollout on a tier of two instances", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const group = uniqueId("rollout");
  const instances: { cloud: Cloud; store: PostgresStore }[] = [];
  const instance = async (): Promise<Cloud> => {
    const store = await PostgresStore.open({ url: db.url });
    const cloud = new Cloud(new MqttTransport({ url: broker!.url(), clientId: uniqueId("rollout-cloud"), extra: { protocolVersion: 5 } }), [airconModel as unknown as AnyModel], Date.now, { store });
    await cloud.start({ uplink: `$share/${group}/h/+/u` });
    instances.push({ cloud, store });
    return cloud;
  };
  beforeAll(async () => {
    db = await freshDatabase(pgUrl as string);
  });
  afterAll(async () => {
    for (const { cloud, store } of instances.splice(0)) {
      await cloud.stop();
      await store.close();
    }
    await db.drop();
  });

  it("every device is offered and served the update, whichever instance took its hello and its fetches; the store has each one done", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const a = await instance();
    const b = await instance();
    const hellos = { a: new Set<string>(), b: new Set<string>() };
    a.onUplink((id, m) => void (m.type === "hello" && hellos.a.add(id)));
    b.onUplink((id, m) => void (m.type === "hello" && hellos.b.add(id)));
    const boards = Array.from({ length: DEVICES }, () => {
      const id = uniqueId("rollout-ac");
      const clock = new PacedClock(20);
      const sim = new HostEngineBoard(app, { clock, flash: factoryFlash(v1), images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle, updates: { window: 2, chunkBytes: 2048 } } });
      sim.connect(() => new MqttTransport({ url: broker!.url(), clientId: id }), id);
      clock.start();
      return { id, sim, clock };
    });
    const until = async (what: () => boolean | Promise<boolean>, ms: number): Promise<boolean> => {
      const end = Date.now() + ms;
      while (!(await what()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      return what();
    };
    try {
      const store = instances[0]!.store;
      expect(await until(async () => (await store.devices(boards.map((d) => d.id))).length === DEVICES, 20_000)).toBe(true);
      const rollout = a.rollout({ image: v2.bytes, devices: boards.map((d) => d.id) });
      await a.planKept(rollout.id);
      await until(() => boards.every((d) => d.sim.firmware === "1.1.0"), 60_000);
      expect(boards.map((d) => d.sim.firmware)).toEqual(boards.map(() => "1.1.0"));
      const done = String(OtaPhase.done);
      expect(await until(async () => (await store.rollout(rollout.id)).filter((p) => p.phase === done).length === DEVICES, 20_000)).toBe(true);
      // The case at hand: some hellos, and so some devices' presence, were b's alone.
      expect(hellos.b.size, "b took some hellos").toBeGreaterThan(0);
      expect(hellos.a.size, "a took some hellos").toBeGreaterThan(0);
    } finally {
      for (const d of boards) {
        d.clock.stop();
        await d.sim.link?.stop();
      }
    }
  }, 120_000);
});
