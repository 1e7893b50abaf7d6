import { verifyEd25519 } from "../../os/boot/signing.js";
import { describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import { PacedClock } from "../../os/node/host-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { loadBundle } from "../../sdk/desk/node/host/load-bundle.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { embeddedBroker, outsideBroker, uniqueId, type TestBroker } from "../support/brokers.js";
import { airconImage, factoryFlash, keys } from "../support/ota.js";

/** An update over real MQTT, with the broker dropping every connection in the middle of the download. */
function overTheAir(broker: TestBroker): void {
  describe(`update over the air through ${broker.name}`, () => {
    it("downloads, installs, confirms; a connection lost halfway resumes", async () => {
      await broker.start();
      const v1 = await airconImage([1, 0, 0], 1);
      const v2 = await airconImage([1, 1, 0], 2);
      const deviceId = uniqueId("e2e-ota");
      const clock = new PacedClock(20);
      // One-chunk window: the download takes long enough to be interrupted.
      const sim = new HostEngineBoard(app, { clock, flash: factoryFlash(v1), images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle, updates: { window: 1, chunkBytes: 512 } } });
      let transports = 0;
      let current: MqttTransport | undefined;
      sim.connect(() => {
        transports++;
        current = new MqttTransport({ url: broker.url(), clientId: deviceId });
        return current;
      }, deviceId);
      const cloud = new Cloud(new MqttTransport({ url: broker.url(), clientId: uniqueId("e2e-ota-cloud") }));
      await cloud.start();
      clock.start();
      try {
        const until = async (what: () => boolean, ms: number): Promise<void> => {
          const end = Date.now() + ms;
          while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
        };
        await until(() => sim.link?.state === "up", 10_000);
        await new Promise((r) => setTimeout(r, 200));
        const rollout = cloud.rollout({ image: v2.bytes, devices: [deviceId] });
        await until(() => (rollout.devices.get(deviceId)?.bytes ?? 0) > v2.bytes.length / 2, 20_000);
        const half = rollout.devices.get(deviceId)?.bytes ?? 0;
        expect(half).toBeLessThan(v2.bytes.length);
        // The connection drops: the client reconnects (backoff), says hello, is offered again and fetches on.
        let drops = 0;
        sim.link?.onState((state) => void (state === "down" && drops++));
        const stream = (current as unknown as { client?: { stream?: { destroy(): void } } }).client?.stream;
        expect(stream).toBeDefined();
        stream?.destroy();
        await until(() => drops > 0, 5_000);
        expect(drops).toBe(1);
        await until(() => rollout.devices.get(deviceId)?.phase === "done", 60_000);
        expect(rollout.devices.get(deviceId)).toMatchObject({ phase: "done" });
        expect(sim.firmware).toBe("1.1.0");
        expect(transports).toBe(2); // the first boot's link, and the new image's
      } finally {
        clock.stop();
        await sim.link?.stop();
        await cloud.stop();
        await broker.stop();
      }
    }, 90_000);
  });
}

overTheAir(embeddedBroker());
const outside = outsideBroker();
if (outside !== undefined) overTheAir(outside);
