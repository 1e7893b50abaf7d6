import { describe, expect, it } from "vitest";
import { Cloud } from "../../sdk/cloud/index.js";
import { MemoryStore } from "../../sdk/cloud/store/memory.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { decodeMessage, encodeMessage, type Message } from "../../sdk/protocol/envelope.js";
import { topics } from "../../sdk/protocol/transport.js";
import { ErrorCode } from "../../sdk/thing/errors.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { counterModel } from "../support/counter-app.js";

const model = counterModel as unknown as AnyModel;

describe("sendDesired when the device holds a later version (stale)", () => {
  it("sends the store's document as it is when the store is past the device already, without a needless new version; and a device at the last version there is gets nothing more", async () => {
    const broker = new MemoryBroker();
    const store = new MemoryStore();
    const cloud = new Cloud(broker.transport("cloud"), [model], Date.now, { store });
    await cloud.start();
    const device = broker.transport("dev-1");
    const sets: number[] = [];
    let current = 1;
    device.start({
      up: () => undefined,
      down: () => undefined,
      message: (_t, payload) => {
        const m = decodeMessage(payload) as Message;
        if (m.type !== "set") return;
        sets.push(m.version);
        const reply: Message = m.version > current ? { type: "ack", seq: 1, ref: m.seq } : { type: "error", seq: 1, ref: m.seq, code: ErrorCode.stale, member: null, detail: "stale", current };
        device.publish(topics.up("dev-1"), encodeMessage(reply));
      },
    });
    device.subscribe(topics.down("dev-1"));
    await new Promise((r) => setTimeout(r, 5));
    // The store went to version 3 meanwhile; the document sent was version 1, which the device (at 1) calls stale.
    await store.changeDesired("dev-1", { level: 1 });
    await store.changeDesired("dev-1", { level: 2 });
    await store.changeDesired("dev-1", { level: 3 });
    cloud.sendDesired("dev-1", model, { version: 1, values: { level: 1 }, deviceVersion: 0 });
    for (let i = 0; i < 100 && sets.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(sets).toEqual([1, 3]);
    expect((await store.desired("dev-1")).version).toBe(3);
    // A device that says it is at the last version there is: no version above it to send.
    current = 4_294_967_295;
    sets.length = 0;
    cloud.sendDesired("dev-1", model, { version: 3, values: { level: 3 }, deviceVersion: 0 });
    await new Promise((r) => setTimeout(r, 50));
    expect(sets).toEqual([3]);
    expect((await store.desired("dev-1")).version).toBe(3);
    await cloud.stop();
  });
});
