import { encodeCbor, type CborValue } from "../../os/cbor.js";

/**
 * PROTOCOL.md section 4's CDDL, transcribed by hand from the spec's text (not
 * from the implementation), and the malformed frames it implies: for every
 * field, values of another CDDL type, and every body one element short and one
 * long. Floats and out-of-range integers are written byte by byte, since a
 * JavaScript encoder would write 2.0 as the integer 2.
 */
export type FieldType = "uint" | "seq" | "tstr" | "bstr" | "bstr8" | "bstr32" | "members" | "member" | "enum5";

export interface MessageShape {
  name: string;
  type: number;
  /** The body's fields in order; a body that is one value (report, ack) has one field and `bare`. */
  fields: { name: string; type: FieldType; value: CborValue }[];
  bare?: boolean;
}

const members = new Map<number, CborValue>([[3, 1]]);

/** What the cloud sends a device. */
export const CLOUD_TO_DEVICE: MessageShape[] = [
  { name: "set", type: 2, fields: [{ name: "version", type: "seq", value: 1 }, { name: "values", type: "members", value: members }] },
  { name: "invoke", type: 3, fields: [{ name: "action", type: "uint", value: 1 }, { name: "params", type: "members", value: new Map([[1, 1]]) }, { name: "command-id", type: "uint", value: 9 }, { name: "deadline", type: "uint", value: 0 }] },
  { name: "ack", type: 6, bare: true, fields: [{ name: "ref", type: "seq", value: 1 }] },
  { name: "error", type: 7, fields: [{ name: "ref", type: "seq", value: 1 }, { name: "code", type: "uint", value: 1 }, { name: "member", type: "member", value: null }, { name: "detail", type: "tstr", value: "x" }] },
  { name: "time", type: 9, fields: [{ name: "t1", type: "uint", value: 1 }, { name: "t2", type: "uint", value: 2 }, { name: "t3", type: "uint", value: 3 }] },
  { name: "ota-offer", type: 10, fields: [{ name: "update-id", type: "uint", value: 7 }, { name: "version", type: "tstr", value: "1.2.3" }, { name: "size", type: "uint", value: 1000 }, { name: "sha256", type: "bstr32", value: new Uint8Array(32) }] },
  { name: "ota-chunk", type: 12, fields: [{ name: "update-id", type: "uint", value: 7 }, { name: "offset", type: "uint", value: 0 }, { name: "data", type: "bstr", value: new Uint8Array(4) }] },
];

/** What a device sends the cloud. */
export const DEVICE_TO_CLOUD: MessageShape[] = [
  {
    name: "hello",
    type: 0,
    fields: [
      { name: "firmware", type: "tstr", value: "1.0.0" },
      { name: "model", type: "tstr", value: "test.counter" },
      { name: "model-hash", type: "bstr8", value: new Uint8Array(8) },
      { name: "reset-reason", type: "enum5", value: 0 },
      { name: "boot-count", type: "uint", value: 1 },
      { name: "desired-version", type: "seq", value: 0 },
    ],
  },
  { name: "report", type: 1, bare: true, fields: [{ name: "members", type: "members", value: members }] },
  { name: "result", type: 4, fields: [{ name: "command-id", type: "uint", value: 9 }, { name: "result", type: "members", value: new Map([[1, 1]]) }] },
  { name: "event", type: 5, fields: [{ name: "event", type: "uint", value: 1 }, { name: "fields", type: "members", value: new Map([[1, 1]]) }, { name: "level", type: "enum5", value: 1 }] },
  { name: "ota-fetch", type: 11, fields: [{ name: "update-id", type: "uint", value: 7 }, { name: "offset", type: "uint", value: 0 }, { name: "length", type: "uint", value: 1024 }] },
  { name: "ota-status", type: 13, fields: [{ name: "update-id", type: "uint", value: 7 }, { name: "phase", type: "enum5", value: 0 }, { name: "bytes", type: "uint", value: 0 }, { name: "detail", type: "tstr", value: "" }] },
];

/** A placeholder for a value that must be written as raw CBOR bytes. */
class Raw {
  constructor(
    readonly hex: string,
    readonly what: string,
  ) {}
}
type Value = CborValue | Raw;

const FLOAT_HALF = new Raw("f93e00", "the float 1.5");
const FLOAT_WHOLE = new Raw("fb4000000000000000", "the float 2.0");
const TWO_TO_32 = new Raw("1b0000000100000000", "2^32");

/** Values of other types for a field of `type`, each with what it is. */
function wrongValues(type: FieldType): { value: Value; what: string }[] {
  const notUint = [
    { value: FLOAT_HALF, what: FLOAT_HALF.what },
    { value: FLOAT_WHOLE, what: FLOAT_WHOLE.what },
    { value: -1, what: "-1" },
    { value: "1", what: 'the text "1"' },
  ];
  switch (type) {
    case "uint":
      return notUint;
    case "seq":
      return [...notUint, { value: TWO_TO_32, what: TWO_TO_32.what }];
    case "enum5":
      return [...notUint, { value: 5, what: "5 (outside the enumeration 0..4)" }];
    case "member":
      return [{ value: FLOAT_WHOLE, what: FLOAT_WHOLE.what }, { value: -1, what: "-1" }, { value: "x", what: "text" }];
    case "tstr":
      return [{ value: 5, what: "an integer" }, { value: new Uint8Array(2), what: "a byte string" }];
    case "bstr":
      return [{ value: "x", what: "text" }, { value: 5, what: "an integer" }];
    case "bstr8":
      return [{ value: "x", what: "text" }, { value: new Uint8Array(7), what: "a byte string of 7" }];
    case "bstr32":
      return [{ value: "x", what: "text" }, { value: new Uint8Array(31), what: "a byte string of 31" }];
    case "members":
      return [{ value: [1, 1], what: "an array" }, { value: 1, what: "an integer" }, { value: new Map<string, CborValue>([["a", 1]]) as unknown as CborValue, what: "a map with a text key" }];
  }
}

/** CBOR of a value that may hold raw pieces: raw ones are spliced in as given. */
function encode(value: Value | Value[]): Uint8Array {
  if (value instanceof Raw) return Uint8Array.from(Buffer.from(value.hex, "hex"));
  if (!Array.isArray(value)) return encodeCbor(value);
  const parts = value.map((v) => encode(v as Value));
  const head = value.length < 24 ? [0x80 + value.length] : [0x98, value.length];
  return Uint8Array.from([...head, ...parts.flatMap((p) => [...p])]);
}

export interface MalformedCase {
  name: string;
  seq: number;
  frame: Uint8Array;
}

/** Every malformed frame the CDDL implies for these messages, each with a distinct seq from `firstSeq`. */
export function malformedFrames(shapes: readonly MessageShape[], firstSeq: number): MalformedCase[] {
  const out: MalformedCase[] = [];
  let seq = firstSeq;
  const frame = (type: number, body: Value | Value[], bare: boolean, s: number): Uint8Array => encode([type, s, bare ? (body as Value) : (body as Value[])] as Value[]);
  for (const shape of shapes) {
    const good = shape.fields.map((f) => f.value as Value);
    shape.fields.forEach((field, i) => {
      for (const wrong of wrongValues(field.type)) {
        const body = good.slice();
        body[i] = wrong.value;
        const s = seq++;
        out.push({ name: `${shape.name}: ${field.name} is ${wrong.what}`, seq: s, frame: shape.bare ? frame(shape.type, wrong.value, true, s) : frame(shape.type, body, false, s) });
      }
    });
    if (!shape.bare) {
      const s1 = seq++;
      out.push({ name: `${shape.name}: a body one element short`, seq: s1, frame: frame(shape.type, good.slice(0, -1), false, s1) });
      const s2 = seq++;
      // One more than the longest form (error and time have optional tails: two more is never valid).
      out.push({ name: `${shape.name}: a body with extra elements`, seq: s2, frame: frame(shape.type, [...good, 0, 0, 0], false, s2) });
      const s3 = seq++;
      out.push({ name: `${shape.name}: a body that is not an array`, seq: s3, frame: frame(shape.type, 0, true, s3) });
    }
  }
  return out;
}
