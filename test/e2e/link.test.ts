import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import { airconModel } from "../../examples/aircon/model.js";
import { PacedClock } from "../../os/node/host-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { HearthError } from "../../sdk/index.js";
import { ErrorCode } from "../../sdk/thing/errors.js";
import { encodeMessage } from "../../sdk/protocol/envelope.js";
import { topics } from "../../sdk/protocol/transport.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { embeddedBroker, outsideBroker, uniqueId, type TestBroker } from "../support/brokers.js";

/** Simulated seconds per real second: an hour of the room takes 3 s. */
const SPEED = 1200;

function endToEnd(broker: TestBroker): void {
  describe(`aircon end to end over MQTT (${broker.name})`, () => {
    const deviceId = uniqueId("e2e-aircon");
    const clock = new PacedClock(SPEED);
    const sim = new HostEngineBoard(app, { clock, seed: 3 });
    let cloud: Cloud;

    beforeAll(async () => {
      await broker.start();
      sim.connect(
        () =>
          new MqttTransport({
          url: broker.url(),
          clientId: deviceId,
          will: { topic: topics.up(deviceId), payload: encodeMessage({ type: "offline", seq: 0 }) },
        }),
        deviceId,
      );
      // The cloud keeps the simulation's time, so time sync and command deadlines agree with the device.
      const epoch = Date.now();
      cloud = new Cloud(new MqttTransport({ url: broker.url(), clientId: uniqueId("e2e-cloud") }), [airconModel], () => epoch + clock.now());
      await cloud.start();
      clock.start();
    });

    afterAll(async () => {
      clock.stop();
      await sim.link?.stop();
      await cloud?.stop();
      await broker.stop();
    });

    it("sees hello and reported state, sets the target to 22.5, and the reports show the room reach it", async () => {
      const device = cloud.device(deviceId, airconModel);
      await device.waitFor((s) => s.power === true && s.target === 24, 10_000);
      expect(device.online).toBe(true);
      expect(device.firmware).toBe(app.firmwareVersion);

      await device.set({ target: 22.5 });
      expect(sim.device.get("target")).toBe(22.5);
      const reached = await device.waitFor((s) => s.target === 22.5 && Math.abs((s.room ?? 99) - 22.5) <= 1, 30_000);
      expect(Math.abs((reached.room as number) - 22.5)).toBeLessThanOrEqual(1);
      expect(Math.abs((sim.plant.readings()["roomC"] as number) - 22.5)).toBeLessThanOrEqual(1.2);
      expect(clock.now()).toBeGreaterThan(10 * 60_000); // it took simulated time, not a shortcut
    });

    it("runs selfClean and returns its result", async () => {
      const device = cloud.device(deviceId, airconModel);
      const result = await device.invoke("selfClean", { dryMinutes: 2 }, { timeoutMs: 20_000, deadlineMs: 10 * 60_000 });
      expect(result.minutes).toBeGreaterThanOrEqual(2);
      expect(result.coilMinC).toBeLessThan(0); // the coil frosted
      expect(sim.device.get("cleaning")).toBe(false);
    });

    it("answers an out-of-range target with an error naming it, and changes nothing", async () => {
      const before = sim.device.snapshot();
      // Bypass the typed client, which would refuse before sending: target = 80 steps of 0.5 = 40 °C.
      const reply = await cloud.request(deviceId, { type: "set", seq: 0, version: 1000, values: new Map([[3, 80]]) }, 5_000);
      expect(reply.type).toBe("error");
      if (reply.type !== "error") return;
      expect(reply.code).toBe(ErrorCode["out-of-range"]);
      expect(reply.member).toBe(airconModel.spec.properties.target.id);
      expect(reply.detail).toMatch(/target is 40, above the maximum 30/);
      expect(sim.device.get("target")).toBe(before.target);
      expect(sim.device.get("power")).toBe(before.power);

      const device = cloud.device(deviceId, airconModel);
      const refused = await device.set({ target: 40 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(HearthError);
      expect((refused as HearthError).member).toBe("target");

      const mixed = await cloud.request(deviceId, { type: "set", seq: 0, version: 1001, values: new Map<number, number | boolean>([[1, false], [99, 1]]) }, 5_000);
      expect(mixed.type === "error" && mixed.code).toBe(ErrorCode["unknown-property"]);
      expect(sim.device.get("power")).toBe(true); // the valid half was not applied either
    });

    it("answers a garbage frame with a malformed error and keeps the link up", async () => {
      const malformedBefore = sim.link!.stats.malformed;
      const raw = new MqttTransport({ url: broker.url(), clientId: uniqueId("e2e-raw") });
      await new Promise<void>((resolve) => raw.start({ up: resolve, down: () => undefined, message: () => undefined }));
      raw.publish(topics.down(deviceId), Uint8Array.of(0xff, 0x00, 0x13));
      await expect.poll(() => sim.link!.stats.malformed, { timeout: 5_000 }).toBe(malformedBefore + 1);
      await raw.stop();
      // Still serving: a valid write goes through.
      await cloud.device(deviceId, airconModel).set({ fan: 3 });
      expect(sim.device.get("fan")).toBe(3);
      expect(sim.link!.state).toBe("up");
    });
  });
}

endToEnd(embeddedBroker());
const outside = outsideBroker();
if (outside !== undefined) endToEnd(outside);
