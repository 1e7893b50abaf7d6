import * as cborg from "cborg";
import { describe, expect, it } from "vitest";
import { encodeCbor, type CborValue } from "../../os/cbor.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import { topics } from "../../sdk/protocol/transport.js";
import { encodeMessage } from "../../sdk/protocol/envelope.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { defineModel, type AnyModel } from "../../sdk/thing/model.js";
import { counterModel } from "../support/counter-app.js";
import { DEVICE_TO_CLOUD, malformedFrames } from "./cddl.js";

/**
 * The cloud side of sdk/protocol/PROTOCOL.md, from its text: frames a device could
 * send, and what the cloud must answer. A raw client stands in for the device;
 * everything the cloud sends is read by cborg in strict mode.
 */

/** A second revision of the counter's model id: one more property. */
const counterV2 = defineModel({ ...counterModel.spec, version: 2, properties: { ...counterModel.spec.properties, mode: { id: 5, type: "bool", access: "rw" } } });

type Downlink = { type: number; seq: number; body: unknown };

async function cloud(models: readonly AnyModel[] = [counterModel]) {
  const broker = new MemoryBroker();
  const c = new Cloud(broker.transport("cloud"), models, () => 1_800_000_000_000);
  const refusals: string[] = [];
  c.onRefusal((id, m, e) => refusals.push(`${id} ${m.type} ${e.code}`));
  const down: Downlink[] = [];
  const dev = broker.transport("dev1");
  dev.start({
    up: () => dev.subscribe(topics.down("dev1")),
    down: () => undefined,
    message: (_, payload) => {
      const item = cborg.decode(payload, { strict: true, useMaps: true }) as unknown[];
      down.push({ type: item[0] as number, seq: item[1] as number, body: item[2] });
    },
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  };
  void c.start();
  await settle();
  const send = async (frame: Uint8Array | CborValue): Promise<Downlink[]> => {
    const from = down.length;
    dev.publish(topics.up("dev1"), frame instanceof Uint8Array ? frame : encodeCbor(frame));
    await settle();
    return down.slice(from);
  };
  const hello = (seq: number, model = counterModel.id, hash: Uint8Array = modelHash(counterModel)) => send([0, seq, ["1.0.0", model, hash, 0, 1, 0]]);
  return { c, send, hello, refusals };
}

const m = (entries: [number, CborValue][]): Map<number, CborValue> => new Map(entries);
const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "hex"));
const isError = (d: Downlink | undefined, ref: number, code: number): boolean => d?.type === 7 && (d.body as unknown[])[0] === ref && (d.body as unknown[])[1] === code;

describe("cloud conformance (PROTOCOL.md)", () => {
  it("section 4/6: a hello for the model it serves, with its hash, is acked", async () => {
    const t = await cloud();
    expect(await t.hello(1)).toEqual([{ type: 6, seq: expect.any(Number), body: 1 }]);
  });

  it("section 6: a hello for a model id it does not serve: unknown-model, refused to the backend", async () => {
    const t = await cloud();
    const answer = await t.hello(2, "acme.toaster");
    expect(isError(answer[0], 2, 15)).toBe(true);
    expect(answer.some((d) => d.type === 6)).toBe(false);
    expect(t.refusals).toEqual(["dev1 hello unknown-model"]);
  });

  it("section 6: a hello for a served id with another model hash: unknown-model", async () => {
    const t = await cloud();
    const answer = await t.hello(3, counterModel.id, new Uint8Array(8));
    expect(isError(answer[0], 3, 15)).toBe(true);
  });

  it("section 6: two revisions of one id side by side: the device's members are read with the revision of its hello", async () => {
    const t = await cloud([counterModel, counterV2]);
    expect((await t.hello(4, counterV2.id, modelHash(counterV2)))[0]?.type).toBe(6);
    expect((await t.send([1, 5, m([[5, true]])]))[0]).toMatchObject({ type: 6, body: 5 }); // mode exists in revision 2
    expect(t.c.list().find((d) => d.id === "dev1")?.reported).toMatchObject({ mode: true });
  });

  it("section 5: a valid report is acked and applied", async () => {
    const t = await cloud();
    await t.hello(10);
    expect((await t.send([1, 11, m([[3, 42]])]))[0]).toMatchObject({ type: 6, body: 11 });
    expect(t.c.device("dev1", counterModel).reported).toMatchObject({ level: 42 });
  });

  it("section 6: a report with a value the model forbids is refused (out-of-range), never acked, nothing kept", async () => {
    const t = await cloud();
    await t.hello(20);
    const answer = await t.send([1, 21, m([[3, 500]])]);
    expect(isError(answer[0], 21, 6)).toBe(true);
    expect((answer[0]?.body as unknown[])[2], "section 6: the member of out-of-range is the property").toBe(3);
    expect(answer.some((d) => d.type === 6)).toBe(false);
    expect(t.c.device("dev1", counterModel).reported).not.toHaveProperty("level");
    expect(t.refusals).toEqual(["dev1 report out-of-range"]);
    expect(t.c.stats.refused).toBe(1);
  });

  it("section 6: a report with a property id the model does not have: unknown-property", async () => {
    const t = await cloud();
    await t.hello(30);
    expect(isError((await t.send([1, 31, m([[99, 1]])]))[0], 31, 3)).toBe(true);
  });

  it("section 5: a repeated report (same seq) is acked again and delivered once", async () => {
    const t = await cloud();
    await t.hello(40);
    let reports = 0;
    t.c.device("dev1", counterModel).onReport(() => reports++);
    expect((await t.send([1, 41, m([[3, 1]])]))[0]?.type).toBe(6);
    expect((await t.send([1, 41, m([[3, 1]])]))[0]?.type).toBe(6);
    expect(reports).toBe(1);
  });

  it("section 6: a malformed frame is answered with malformed, ref = its seq where it can be read", async () => {
    const t = await cloud();
    expect(isError((await t.send(hex("ff")))[0], 0, 1)).toBe(true);
    expect(isError((await t.send([1, 50]))[0], 50, 1)).toBe(true);
    expect(isError((await t.send(hex("83021b00000001000000008201a0")))[0], 0, 1)).toBe(true); // a seq of 2^32
    expect(isError((await t.send(hex("8301fb40140000000000000a0")))[0], 0, 1)).toBe(true); // a float seq
  });

  it("section 4: a time request is answered with its t1 and the cloud's clock", async () => {
    const t = await cloud();
    const answer = await t.send([9, 60, [1234]]);
    expect(answer[0]).toMatchObject({ type: 9, body: [1234, 1_800_000_000_000, 1_800_000_000_000] });
  });

  it("section 6: an event whose fields the model does not have is refused", async () => {
    const t = await cloud();
    await t.hello(70);
    const answer = await t.send([5, 71, [1, m([[9, 1]]), 1]]);
    expect(answer[0]?.type).toBe(7);
    expect((answer[0]?.body as unknown[])[0]).toBe(71);
    expect(answer.some((d) => d.type === 6)).toBe(false);
  });

  it("section 5: a device whose flash was erased (seqs and boot count start again) is a new session: its messages are not taken for repeats", async () => {
    const t = await cloud();
    const hash = modelHash(counterModel);
    expect((await t.send([0, 1, ["1.0.0", counterModel.id, hash, 0, 5, 0]]))[0]?.type).toBe(6);
    expect((await t.send([1, 2, m([[3, 1]])]))[0]?.type).toBe(6);
    // Erased: boot count 1, seqs from 1 again.
    expect((await t.send([0, 1, ["1.0.0", counterModel.id, hash, 0, 1, 0]]))[0]?.type).toBe(6);
    let reports = 0;
    t.c.device("dev1", counterModel).onReport(() => reports++);
    expect((await t.send([1, 2, m([[3, 7]])]))[0]?.type).toBe(6);
    expect(reports).toBe(1);
    expect(t.c.device("dev1", counterModel).reported).toMatchObject({ level: 7 });
  });

  it("section 5: a hello sent again (the same seq) is a repeat, not a new session", async () => {
    const t = await cloud();
    await t.hello(10);
    expect((await t.send([1, 11, m([[3, 1]])]))[0]?.type).toBe(6);
    expect((await t.hello(10))[0]?.type).toBe(6);
    expect(t.c.stats.duplicates).toBe(1);
    let reports = 0;
    t.c.device("dev1", counterModel).onReport(() => reports++);
    await t.send([1, 11, m([[3, 1]])]); // still a repeat: the session did not start again
    expect(reports).toBe(0);
  });
});

describe("cloud conformance: sessions", () => {
  it("section 6: a report from a device the cloud has had no hello from: no-session, not acked; after its hello, acked", async () => {
    const t = await cloud();
    const first = await t.send([1, 90, m([[3, 2]])]);
    expect(isError(first[0], 90, 16)).toBe(true);
    expect(first.some((d) => d.type === 6)).toBe(false);
    expect(t.refusals).toEqual([]); // asking for a hello is not a refusal of the report
    expect((await t.hello(91))[0]?.type).toBe(6);
    expect((await t.send([1, 90, m([[3, 2]])]))[0]).toMatchObject({ type: 6, body: 90 });
    expect(t.c.device("dev1", counterModel).reported).toMatchObject({ level: 2 });
  });
});

describe("cloud conformance: values and bounds", () => {
  it("section 3/4: a cloud never issues a desired version above 2^32 - 1: its set refuses (out-of-range)", async () => {
    const t = await cloud();
    await t.hello(1);
    const device = t.c.device("dev1", counterModel);
    device.desiredVersion = 4_294_967_295;
    await expect(device.set({ level: 1 })).rejects.toMatchObject({ code: "out-of-range" });
  });

  it("section 3/6: an enum index outside the model's values is out-of-range; a non-integer one wrong-type", async () => {
    const enumModel = defineModel({ id: "test.enum", version: 1, properties: { mode: { id: 1, type: "enum", values: ["a", "b"], access: "rw" } }, actions: {}, events: {} });
    const t = await cloud([enumModel as unknown as AnyModel]);
    await t.hello(1, enumModel.id, modelHash(enumModel));
    const outOfRange = (await t.send([1, 2, m([[1, 2]])]))[0];
    expect(isError(outOfRange, 2, 6)).toBe(true);
    const wrongType = (await t.send([1, 3, m([[1, "a"]])]))[0];
    expect(isError(wrongType, 3, 5)).toBe(true);
    // Section 6: the member of out-of-range and wrong-type is the property.
    expect([(outOfRange?.body as unknown[])[2], (wrongType?.body as unknown[])[2]]).toEqual([1, 1]);
    expect((await t.send([1, 4, m([[1, 1]])]))[0]).toMatchObject({ type: 6, body: 4 });
  });
});

describe("cloud: presence as an event", () => {
  it("a device's presence is heard as it changes: online at its hello, offline at the broker's word (its will), online again at its next report; once per change", async () => {
    const t = await cloud();
    const device = t.c.device("dev1", counterModel);
    const heard: boolean[] = [];
    const off = device.onPresence((online) => heard.push(online));
    await t.hello(1);
    await t.send([1, 2, m([[1, 3]])]); // a report while online: no change
    expect(heard).toEqual([true]);
    await t.send(encodeMessage({ type: "offline", seq: 0 }));
    expect([heard, device.online]).toEqual([[true, false], false]);
    await t.send([1, 3, m([[1, 4]])]);
    expect(heard).toEqual([true, false, true]);
    off();
    await t.send(encodeMessage({ type: "offline", seq: 0 }));
    expect(heard).toEqual([true, false, true]);
  });
});

describe("cloud conformance: the cloud side's own errors (section 6: timeout and offline)", () => {
  it("a command the device never answers: timeout; a cloud that stopped: offline", async () => {
    const t = await cloud();
    await t.hello(1);
    const device = t.c.device("dev1", counterModel);
    await expect(device.invoke("echo", { x: 1 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: "timeout" });
    const pending = device.invoke("echo", { x: 1 }, { timeoutMs: 5_000 });
    await t.c.stop();
    await expect(pending).rejects.toMatchObject({ code: "offline" });
  });
});

describe("cloud conformance: every malformed frame the CDDL implies (PROTOCOL.md sections 3, 4 and 6)", () => {
  for (const c of malformedFrames(DEVICE_TO_CLOUD, 2000)) {
    it(`section 4/6: ${c.name}: malformed, ref = its seq, never acked`, async () => {
      const t = await cloud();
      if (!c.name.startsWith("hello")) await t.hello(1, counterModel.id, modelHash(counterModel));
      const answers = await t.send(c.frame);
      expect(answers.some((d) => d.type === 6)).toBe(false);
      expect(answers).toHaveLength(1);
      expect(isError(answers[0], c.seq, 1)).toBe(true);
    });
  }
});
