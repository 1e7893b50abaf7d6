import { describe, expect, it } from "vitest";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { encodeMessage } from "../../sdk/protocol/envelope.js";
import { membersToWire } from "../../sdk/protocol/members.js";
import { checkValues } from "../../sdk/thing/validate.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import { topics, type Transport, type TransportEvents } from "../../sdk/protocol/transport.js";
import { defineModel, type AnyModel } from "../../sdk/thing/model.js";

/**
 * A registry of thousands of models side by side (the platforms the issue
 * names serve 2,000 models): a hello finds its revision by id and hash, and a
 * report is decoded and checked with it, as fast with 2,000 models served as
 * with one.
 */
function generated(i: number, revision = 1): AnyModel {
  return defineModel({
    id: `gen.model-${i}`,
    version: revision,
    properties: {
      power: { id: 1, type: "bool", access: "rw" },
      target: { id: 2, type: "number", min: 5, max: 35, step: 0.5, access: "rw" },
      level: { id: 3, type: "int", min: 0, max: 100 + i, access: "r" },
      ...(revision > 1 ? { mode: { id: 4, type: "enum", values: ["a", "b"], access: "rw" } } : {}),
    },
    actions: {},
    events: {},
  }) as unknown as AnyModel;
}

/** A transport that hands frames straight to the cloud and drops what it sends. */
function direct(): { transport: Transport; deliver(topic: string, frame: Uint8Array): void; sent: number } {
  let events: TransportEvents | undefined;
  const t = {
    sent: 0,
    transport: {
      start: (e: TransportEvents) => {
        events = e;
        e.up();
      },
      publish: () => void t.sent++,
      subscribe: () => undefined,
      stop: async () => undefined,
    } as Transport,
    deliver: (topic: string, frame: Uint8Array) => events?.message(topic, frame),
  };
  return t;
}

/** Microseconds per device for a hello and three reports, over `devices` devices of the served models. */
function perDevice(models: readonly AnyModel[], devices: number): { us: number; acks: number } {
  const link = direct();
  const cloud = new Cloud(link.transport, models, () => 1_800_000_000_000);
  void cloud.start();
  const frames = Array.from({ length: devices }, (_, d) => {
    const model = models[d % models.length] as AnyModel;
    const id = `dev-${d}`;
    const hello = encodeMessage({ type: "hello", seq: 1, firmware: "1.0.0", model: model.id, modelHash: modelHash(model), resetReason: 0, bootCount: 1, desiredVersion: 0 });
    const reports = [2, 3, 4].map((seq) => encodeMessage({ type: "report", seq, values: membersToWire(model.spec.properties, checkValues(model.spec.properties, { power: true, target: 21.5, level: seq }, "property", false)) }));
    return { topic: topics.up(id), frames: [hello, ...reports] };
  });
  const start = performance.now();
  for (const d of frames) for (const f of d.frames) link.deliver(d.topic, f);
  return { us: ((performance.now() - start) * 1000) / devices, acks: link.sent };
}

describe("a registry of 2,000 models", () => {
  it("hello, decode and check stay as fast with 2,000 models (and a second revision of each) served as with one", () => {
    const many = Array.from({ length: 2000 }, (_, i) => generated(i));
    const revisions = Array.from({ length: 2000 }, (_, i) => generated(i, 2));
    const one = [many[0] as AnyModel];
    // Warm up, then the better of three each: the machine is shared.
    perDevice(one, 2000);
    perDevice([...many, ...revisions], 2000);
    const best = (models: readonly AnyModel[]) => Math.min(...[0, 1, 2].map(() => perDevice(models, 2000).us));
    const single = best(one);
    const registry = best([...many, ...revisions]);
    expect(perDevice([...many, ...revisions], 2000).acks).toBe(2000 * 4); // every hello and report taken
    console.log(`per device (hello + 3 reports): ${single.toFixed(1)} us with 1 model, ${registry.toFixed(1)} us with 4,000 revisions served`);
    expect(registry).toBeLessThan(single * 2);
  });

  it("each device is read with the revision it said hello with", () => {
    const link = direct();
    const v1 = generated(7);
    const v2 = generated(7, 2);
    const cloud = new Cloud(link.transport, [v1, v2], () => 1_800_000_000_000);
    const refused: string[] = [];
    cloud.onRefusal((id, _m, e) => refused.push(`${id} ${e.code}`));
    void cloud.start();
    const hello = (model: AnyModel) => encodeMessage({ type: "hello", seq: 1, firmware: "1.0.0", model: model.id, modelHash: modelHash(model), resetReason: 0, bootCount: 1, desiredVersion: 0 });
    link.deliver(topics.up("old"), hello(v1));
    link.deliver(topics.up("new"), hello(v2));
    const withMode = encodeMessage({ type: "report", seq: 2, values: new Map([[4, 1]]) });
    link.deliver(topics.up("old"), withMode);
    link.deliver(topics.up("new"), withMode);
    expect(refused).toEqual(["old unknown-property"]);
  });
});
