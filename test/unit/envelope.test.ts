import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { airconModel } from "../../examples/aircon/model.js";
import { encodeCbor } from "../../os/cbor.js";
import { decodeMessage, encodeMessage, MAX_FRAME_BYTES } from "../../sdk/protocol/envelope.js";
import { message } from "../support/frames.js";
import { membersFromWire, membersToWire } from "../../sdk/protocol/members.js";
import { checkValues } from "../../sdk/thing/validate.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const props = airconModel.spec.properties;

describe("envelope: exact bytes of known messages", () => {
  it("the 5-property report is 17 bytes: target 24.5 as 49 steps, room 27.3 as 273", () => {
    const values = membersToWire(props, checkValues(props, { power: true, mode: "cool", target: 24.5, room: 27.3, fan: 2 }, "property", false));
    const frame = encodeMessage({ type: "report", seq: 1, values });
    // [1, 1, {1: true, 2: 0, 3: 49, 4: 273, 5: 2}]
    expect(hex(frame)).toBe("830101a501f502000318310419011105" + "02");
    expect(frame.length).toBe(17);
  });

  it("a set, an ack, an error, an invoke and a time sync", () => {
    // [2, 7, [version 4, {3: 45}]]
    expect(hex(encodeMessage({ type: "set", seq: 7, version: 4, values: new Map([[3, 45]]) }))).toBe("8302078204a103182d");
    expect(hex(encodeMessage({ type: "ack", seq: 2, ref: 7 }))).toBe("83060207");
    expect(hex(encodeMessage({ type: "error", seq: 3, ref: 7, code: 6, member: 3, detail: "" }))).toBe("8307038407060360");
    expect(hex(encodeMessage({ type: "error", seq: 3, ref: 7, code: 13, member: null, detail: "", current: 9 }))).toBe("83070385070df66009");
    // [3, 300, [action 1, {1: 5}, id 42, deadline 0]]
    expect(hex(encodeMessage({ type: "invoke", seq: 300, action: 1, params: new Map([[1, 5]]), id: 42, deadline: 0 }))).toBe("830319012c8401a10105182a00");
    expect(hex(encodeMessage({ type: "time", seq: 5, t1: 1000 }))).toBe("830905811903e8");
    // [11, 8, [update 9, offset 4096, length 1024]]
    expect(hex(encodeMessage({ type: "otaFetch", seq: 8, id: 9, offset: 4096, length: 1024 }))).toBe("830b08830919100019" + "0400");
    // [13, 1, [update 9, phase failed, 0 bytes, ""]]
    expect(hex(encodeMessage({ type: "otaStatus", seq: 1, id: 9, phase: 4, offset: 0, detail: "" }))).toBe("830d01840904" + "0060");
  });
});

describe("envelope properties", () => {
  it("every message round-trips", () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 10_000 },
    );
  });

  it("says what is wrong with a bad frame", () => {
    const bad = (value: unknown): string => {
      try {
        decodeMessage(encodeCbor(value as never));
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(bad([1, 1])).toMatch(/envelope must be an array \[type, seq, body\]/);
    expect(bad([99, 1, null])).toMatch(/unknown message type 99/);
    expect(bad([1, -1, new Map()])).toMatch(/seq must be an unsigned integer/);
    expect(bad([2, 1, new Map()])).toMatch(/set: body must be an array of 2/);
    expect(bad([2, 1, [1, [1, 2]]])).toMatch(/set: values must be a map/);
    expect(bad([2, 1, [1, new Map([[3, [1]]])]])).toMatch(/member 3 has a value that is not/);
    expect(bad([10, 1, [1, "1.0", 10, new Uint8Array(32)]])).toMatch(/otaOffer: version must be text major.minor.patch/);
    expect(bad([10, 1, [1, "1.0.0", 10, new Uint8Array(31)]])).toMatch(/otaOffer: sha256 must be a byte string of 32/);
    expect(bad([13, 1, [1, 5, 0, ""]])).toMatch(/otaStatus: phase is unknown: 5/);
    expect(() => decodeMessage(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(/exceeds/);
    expect(() => decodeMessage(Uint8Array.of(0x83, 0x01))).toThrow(/a container of 3 items in 1 bytes/);
    // A 20-byte frame that declares a billion-element array is refused before anything is allocated.
    expect(() => decodeMessage(Uint8Array.of(0x9a, 0x3b, 0x9a, 0xca, 0x00, ...new Uint8Array(15)))).toThrow(/container of 1000000000 items/);
    expect(() => decodeMessage(Uint8Array.of(0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01))).toThrow(/nesting deeper than 8/);
    expect(() => decodeMessage(Uint8Array.of(0x9f, 0xff))).toThrow(/indefinite/);
    expect(() => decodeMessage(Uint8Array.of(0x83, 0x01, 0x01, 0xc1, 0x01))).toThrow(/tags are not used/);
  });
});

describe("members: model values <-> wire", () => {
  it("round-trips every valid property value", () => {
    const value = fc.record({
      power: fc.boolean(),
      mode: fc.constantFrom("cool", "heat", "fan", "dry", "auto"),
      target: fc.integer({ min: 32, max: 60 }).map((n) => n / 2),
      room: fc.integer({ min: -300, max: 700 }).map((n) => n / 10),
      fan: fc.constantFrom("auto", 1, 2, 3),
    });
    fc.assert(
      fc.property(value, (v) => {
        const wire = membersToWire(props, checkValues(props, v, "property", false));
        for (const w of wire.values()) if (typeof w === "number") expect(Number.isInteger(w)).toBe(true);
        expect(membersFromWire(props, wire, "property", false)).toEqual(v);
      }),
      { numRuns: 5_000 },
    );
  });

  it("refuses wire values that are not the property's, naming it", () => {
    const from = (id: number, wire: number | boolean | string) => () => membersFromWire(props, new Map([[id, wire]]), "property", false);
    expect(from(3, 100)).toThrow(/property target is 50, above the maximum 30/);
    expect(from(3, 48.5)).toThrow(/target must travel as an integer count of steps/);
    expect(from(2, 9)).toThrow(/property mode must travel as an index 0..4/);
    expect(from(1, 1)).toThrow(/property power must be a boolean/);
    expect(from(42, 1)).toThrow(/unknown property id 42/);
  });
});
