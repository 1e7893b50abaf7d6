import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as cborg from "cborg";
import { CborError, decodeCbor, encodeCbor, encodeDeterministic, toHalf, type CborValue, type PlainData } from "../../os/cbor.js";

/** cborg, the reference (an independent implementation): plain values back, maps as Map, undefined kept. */
const reference = { decode: (bytes: Uint8Array): unknown => cborg.decode(bytes, { useMaps: true, allowUndefined: true }) };
/** cborg's encoder, the reference writer: shortest integers and lengths, as RFC 8949 says. */
const writer = { encode: (value: unknown): Uint8Array => cborg.encode(value) };

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("CBOR encoder: RFC 8949 Appendix A vectors", () => {
  const vectors: [CborValue, string][] = [
    [0, "00"],
    [1, "01"],
    [10, "0a"],
    [23, "17"],
    [24, "1818"],
    [25, "1819"],
    [100, "1864"],
    [1000, "1903e8"],
    [1000000, "1a000f4240"],
    [1000000000000, "1b000000e8d4a51000"],
    [Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
    [-1, "20"],
    [-10, "29"],
    [-100, "3863"],
    [-1000, "3903e7"],
    [0.5, "f93800"],
    [-0, "f98000"],
    [1.1, "fb3ff199999999999a"],
    [1.5, "f93e00"],
    [3.4028234663852886e38, "fa7f7fffff"],
    [1.0e300, "fb7e37e43c8800759c"],
    [5.960464477539063e-8, "f90001"],
    [0.00006103515625, "f90400"],
    [-4.1, "fbc010666666666666"],
    [Infinity, "f97c00"],
    [Number.NaN, "f97e00"],
    [-Infinity, "f9fc00"],
    [false, "f4"],
    [true, "f5"],
    [null, "f6"],
    [undefined, "f7"],
    ["", "60"],
    ["a", "6161"],
    ["IETF", "6449455446"],
    ['"\\', "62225c"],
    ["\u00fc", "62c3bc"],
    ["\u6c34", "63e6b0b4"],
    ["\ud800\udd51", "64f0908591"],
    [Uint8Array.of(1, 2, 3, 4), "4401020304"],
    [[], "80"],
    [[1, 2, 3], "83010203"],
    [[1, [2, 3], [4, 5]], "8301820203820405"],
    [new Map(), "a0"],
    [
      new Map([
        [1, 2],
        [3, 4],
      ]),
      "a201020304",
    ],
    [new Map<string, CborValue>([["a", 1], ["b", [2, 3]]]), "a26161016162820203"],
  ];
  it.each(vectors.map(([v, h]) => [String(v instanceof Map ? "map" : v), v, h] as const))("%s", (_, value, expected) => {
    expect(hex(encodeCbor(value))).toBe(expected);
  });
});

const cborValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.double(),
    fc.float().map((f) => f as number),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.boolean(),
    fc.constant(null),
    fc.string({ unit: "grapheme" }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.array(fc.tuple(fc.nat(1000), tie("value")), { maxLength: 6 }).map((entries) => new Map(entries)),
  ),
})).value as fc.Arbitrary<CborValue>;

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return hex(a) === hex(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && same(v, b.get(k)));
  }
  return a === b;
}

describe("CBOR encoder properties", () => {
  it("round-trips exactly through Hearth's decoder and through cborg's", () => {
    fc.assert(
      fc.property(cborValue, (value) => {
        const bytes = encodeCbor(value);
        return same(decodeCbor(bytes, { maxDepth: 64, maxItems: 1e6 }), value) && same(reference.decode(bytes), value);
      }),
      { numRuns: 20_000 },
    );
  });

  it("writes every float in the shortest width that holds it exactly", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const bytes = encodeCbor(x);
        if (Number.isSafeInteger(x) && !Object.is(x, -0)) return bytes[0]! < 0x40;
        const expected = toHalf(x) !== undefined ? 3 : Math.fround(x) === x ? 5 : 9;
        return bytes.length === expected;
      }),
      { numRuns: 50_000 },
    );
  });

  it("matches cborg byte for byte where cborg is already shortest (no floats)", () => {
    const noFloats = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        fc.boolean(),
        fc.string(),
        fc.array(tie("value"), { maxLength: 5 }),
      ),
    })).value as fc.Arbitrary<CborValue>;
    fc.assert(fc.property(noFloats, (value) => hex(encodeCbor(value)) === hex(writer.encode(value))), { numRuns: 5_000 });
  });
});

describe("CBOR decoder: strictness", () => {
  it("reads what cborg writes, and on any mutation either agrees with cborg or refuses with a CborError", () => {
    fc.assert(
      fc.property(cborValue, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (value, edits) => {
        const bytes = encodeCbor(value);
        for (const [at, byte] of edits) if (bytes.length > 0) bytes[at % bytes.length] = byte;
        let ours: unknown;
        try {
          ours = decodeCbor(bytes, { maxDepth: 64, maxItems: 1e6 });
        } catch (error) {
          expect(error).toBeInstanceOf(CborError);
          return;
        }
        expect(same(ours, reference.decode(bytes))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    expect(decodeCbor(writer.encode([1, "a", [true, null]]))).toEqual([1, "a", [true, null]]);
  });

  it("refuses lies, tags, indefinite lengths, odd simple values, bad UTF-8 and trailing bytes, with a reason", () => {
    const refuse = (bytes: number[]): string => {
      try {
        decodeCbor(Uint8Array.from(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(CborError);
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(refuse([0x9a, 0x3b, 0x9a, 0xca, 0x00])).toMatch(/container of 1000000000 items in 0 bytes/);
    expect(refuse([0x5a, 0xff, 0xff, 0xff, 0xff, 1])).toMatch(/string of 4294967295 bytes in 1 bytes/);
    expect(refuse([0xc1, 0x01])).toMatch(/tags/);
    expect(refuse([0x9f, 0xff])).toMatch(/indefinite/);
    expect(refuse([0xe0])).toMatch(/simple value 0/);
    expect(refuse([0x62, 0xc0, 0x80])).toMatch(/UTF-8/);
    expect(refuse([0x01, 0x02])).toMatch(/1 bytes after the item/);
    expect(refuse([0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0])).toMatch(/above 2\^53 - 1/);
    expect(refuse([0xa2, 0x01, 0x01, 0x01, 0x02])).toMatch(/repeats/);
    expect(refuse(Array(10).fill(0x81))).toMatch(/nesting deeper than 8/);
  });
});

describe("deterministic encoding (RFC 8949 section 4.2.1) of plain data", () => {
  it("is what cborg writes with its RFC 8949 options, for any objects, arrays, text (keys in any script included) and numbers", () => {
    const plain = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.integer(),
        // -0 aside: Hearth writes it as the float it is (f9 8000), cborg as the integer 0.
        fc.double({ noNaN: true }).filter((x) => !Object.is(x, -0)),
        fc.boolean(),
        fc.constant(null),
        fc.string({ unit: "grapheme" }),
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: "grapheme", maxLength: 6 }), tie("node"), { maxKeys: 6 }),
      ),
    }));
    fc.assert(
      fc.property(plain.node, (value) => {
        expect(hex(encodeDeterministic(value as PlainData))).toBe(hex(cborg.encode(value, cborg.rfc8949EncodeOptions)));
      }),
      { numRuns: 500 },
    );
  });
});
