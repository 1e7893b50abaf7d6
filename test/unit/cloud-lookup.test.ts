import { bytesToHex as hex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { Cloud } from "../../sdk/cloud/index.js";
import { MemoryStore } from "../../sdk/cloud/store/memory.js";
import type { CloudStore } from "../../sdk/cloud/store/port.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { decodeMessage, encodeMessage } from "../../sdk/protocol/envelope.js";
import { membersToWire } from "../../sdk/protocol/members.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import { topics } from "../../sdk/protocol/transport.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { checkValues } from "../../sdk/thing/validate.js";

import { counterModel } from "../support/counter-app.js";

const model = counterModel as unknown as AnyModel;

/** The memory store as another instance's store looks: every answer a promise, and the lookups counted. */
function sharedStore(): { store: CloudStore; lookups: () => number } {
  const inner = new MemoryStore();
  let lookups = 0;
  const store = new Proxy(inner, {
    get(target, key) {
      if (key === "immediate") return undefined;
      if (key === "device" || key === "devices") lookups++;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as CloudStore;
  return { store, lookups: () => lookups };
}

const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(done()).toBe(true);
};

describe("a device that said hello to another instance", () => {
  it("is looked up in the store once per burst, not once per message, and its reports are all taken in order", async () => {
    const broker = new MemoryBroker();
    const { store, lookups } = sharedStore();
    const first = new Cloud(broker.transport("cloud-1"), [model], Date.now, { store });
    await first.start();
    const device = broker.transport("dev-1");
    const acked: number[] = [];
    device.start({ up: () => undefined, down: () => undefined, message: (_t, payload) => void (decodeMessage(payload).type === "ack" && acked.push((decodeMessage(payload) as { ref: number }).ref)) });
    device.subscribe(topics.down("dev-1"));
    await new Promise((r) => setTimeout(r, 5));
    device.publish(topics.up("dev-1"), encodeMessage({ type: "hello", seq: 1, firmware: "1.0.0", model: model.id, modelHash: modelHash(model), resetReason: 0, bootCount: 1, desiredVersion: 0 }));
    await until(() => acked.includes(1));
    await first.stop();

    // A second instance that never heard the hello takes what follows: 200 reports in one burst.
    const second = new Cloud(broker.transport("cloud-2"), [model], Date.now, { store });
    await second.start();
    const before = lookups();
    for (let seq = 2; seq <= 201; seq++) {
      const values = membersToWire(model.spec.properties, checkValues(model.spec.properties, { level: seq % 100 }, "property", false));
      device.publish(topics.up("dev-1"), encodeMessage({ type: "report", seq, values }));
    }
    await until(() => acked.length === 201);
    expect(lookups() - before).toBe(1);
    expect((await store.reported("dev-1"))["level"]?.seq).toBe(201);
    await second.stop();
  });

  it("is not told no-session while its hello is still being committed by another instance: looked up once more first", async () => {
    const broker = new MemoryBroker();
    const { store } = sharedStore();
    const cloud = new Cloud(broker.transport("cloud-2"), [model], Date.now, { store });
    await cloud.start();
    const device = broker.transport("dev-2");
    const answers: string[] = [];
    device.start({ up: () => undefined, down: () => undefined, message: (_t, payload) => void answers.push(decodeMessage(payload).type) });
    device.subscribe(topics.down("dev-2"));
    await new Promise((r) => setTimeout(r, 5));
    const values = membersToWire(model.spec.properties, checkValues(model.spec.properties, { level: 5 }, "property", false));
    device.publish(topics.up("dev-2"), encodeMessage({ type: "report", seq: 2, values }));
    // The hello went to another instance, whose commit lands 100 ms after this report arrived here.
    await new Promise((r) => setTimeout(r, 100));
    await store.accept([{ kind: "hello", deviceId: "dev-2", seq: 1, at: Date.now(), model: model.id, modelHash: hex(modelHash(model)), firmware: "1.0.0", bootCount: 1, desiredVersion: 0 }]);
    await until(() => answers.length > 0);
    expect(answers).toEqual(["ack"]);
    expect((await store.reported("dev-2"))["level"]?.value).toBe(5);
    await cloud.stop();
  });
});
