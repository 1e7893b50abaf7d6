import fc from "fast-check";
import { encodeMessage, type Message } from "../../sdk/protocol/envelope.js";

const wireValue = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 20 }), fc.double({ noNaN: true }));
const members = fc.array(fc.tuple(fc.nat(500), wireValue), { maxLength: 8 }).map((e) => new Map(e));
const seq = fc.nat();

/** Any message of the protocol. */
export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant("hello" as const),
    seq,
    firmware: fc.string(),
    model: fc.string(),
    modelHash: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    resetReason: fc.nat(4),
    bootCount: fc.nat(),
    desiredVersion: fc.nat(),
  }),
  fc.record({ type: fc.constant("report" as const), seq, values: members }),
  fc.record({ type: fc.constant("set" as const), seq, version: fc.nat(), values: members }),
  fc.record({ type: fc.constant("invoke" as const), seq, action: fc.nat(100), params: members, id: fc.nat(), deadline: fc.nat() }),
  fc.record({ type: fc.constant("result" as const), seq, id: fc.nat(), result: members }),
  fc.record({ type: fc.constant("event" as const), seq, event: fc.nat(100), fields: members, level: fc.nat(4) }),
  fc.record({ type: fc.constant("ack" as const), seq, ref: fc.nat() }),
  fc.record({ type: fc.constant("error" as const), seq, ref: fc.nat(), code: fc.nat(20), member: fc.option(fc.nat(100), { nil: null }), detail: fc.string() }),
  fc.record({ type: fc.constant("error" as const), seq, ref: fc.nat(), code: fc.nat(20), member: fc.constant(null), detail: fc.string(), current: fc.nat() }),
  fc.record({ type: fc.constant("offline" as const), seq }),
  fc.record({ type: fc.constant("time" as const), seq, t1: fc.nat() }),
  fc.record({ type: fc.constant("time" as const), seq, t1: fc.nat(), t2: fc.nat(), t3: fc.nat() }),
  fc.record({
    type: fc.constant("otaOffer" as const),
    seq,
    id: fc.nat(),
    version: fc.tuple(fc.nat(99_999), fc.nat(99_999), fc.nat(99_999)).map((v) => v.join(".")),
    size: fc.nat(),
    sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  }),
  fc.record({ type: fc.constant("otaFetch" as const), seq, id: fc.nat(), offset: fc.nat(), length: fc.nat() }),
  fc.record({ type: fc.constant("otaChunk" as const), seq, id: fc.nat(), offset: fc.nat(), data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ type: fc.constant("otaStatus" as const), seq, id: fc.nat(), phase: fc.nat(4), offset: fc.nat(), detail: fc.string() }),
);

/** Valid frames with a few bytes changed, cut short, or grown: what a bad radio or a bad actor sends. */
export const mutatedFrame: fc.Arbitrary<Uint8Array> = fc
  .tuple(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: -3, max: 3 }))
  .map(([m, edits, resize]) => {
    const valid = encodeMessage(m);
    const frame = new Uint8Array(Math.max(1, valid.length + resize));
    frame.set(valid.subarray(0, frame.length));
    for (const [at, byte] of edits) frame[at % frame.length] = byte;
    return frame;
  });

/** Random bytes, mutated frames, and frames that claim far more than they hold. */
export const badFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  mutatedFrame,
  fc.tuple(fc.integer({ min: 0x98, max: 0x9b }), fc.uint8Array({ minLength: 8, maxLength: 16 })).map(([head, rest]) => Uint8Array.of(head, ...rest)),
);
