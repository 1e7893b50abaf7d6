import { decodeCbor, encodeCbor, type CborValue } from "../../../../os/cbor.js";

/*
 * The values of the native contract (hal/NATIVE.md "Values and errors") as
 * they cross between the host and XS: CBOR, with an ArrayBuffer as a byte
 * string and a plain object as a map with text keys. Runtime-neutral: the
 * shim inside XS (shim.ts) and the host use the same functions.
 */

function toCbor(value: unknown): CborValue {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(toCbor);
  if (typeof value === "object" && value !== null) return new Map(Object.entries(value).map(([k, v]) => [k, toCbor(v)]));
  return value as CborValue;
}

function fromCbor(value: unknown): unknown {
  // A copy (a Node Buffer's slice() would be a view of the whole pool).
  if (value instanceof Uint8Array) return new Uint8Array(value).buffer;
  if (Array.isArray(value)) return value.map(fromCbor);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCbor(v)]));
  return value;
}

export function encodeWire(value: unknown): Uint8Array {
  return encodeCbor(toCbor(value));
}

export function decodeWire(bytes: Uint8Array): unknown {
  return fromCbor(decodeCbor(bytes, { maxDepth: 16, maxItems: 1 << 20 }));
}

/*
 * A shorter way for the calls that dominate a running appliance (ioRead,
 * ioWrite, digital and analog opens, flash reads: numbers in, a number, bytes
 * or nothing out), sparing XS a CBOR encoding and decoding each time: a call
 * makes no objects in XS beyond its reply and one view of it (or the bytes it
 * returns). Each starts with a byte CBOR reserves (0x1c, 0xfc..0xfe: no
 * encoder writes them), so the two ways never mix up.
 */
const NUMERIC_CALL = 0xfe;
const NUMBER_RESULT = 0xfd;
const NO_RESULT = 0xfc;
const BYTES_RESULT = 0x1c;

/** The most numbers a native call takes (spiOpen). */
const MOST_ARGS = 6;

/**
 * [tag, opcode, count] then each argument as a little-endian float64, written into one buffer per
 * count that is kept and sent again (issueCommand copies it out before it returns).
 */
export function numericCaller(): (opcode: number, args: readonly number[]) => ArrayBuffer {
  const views = Array.from({ length: MOST_ARGS + 1 }, (_, n) => new DataView(new ArrayBuffer(3 + 8 * n)));
  return (opcode, args) => {
    const view = views[args.length];
    if (view === undefined) throw new RangeError(`a numeric call takes at most ${MOST_ARGS} numbers`);
    view.setUint8(0, NUMERIC_CALL);
    view.setUint8(1, opcode);
    view.setUint8(2, args.length);
    for (let i = 0; i < args.length; i++) view.setFloat64(3 + 8 * i, args[i] as number, true);
    return view.buffer as ArrayBuffer;
  };
}

/** A numeric call's opcode and arguments, or undefined when `bytes` is CBOR. */
export function decodeNumericCall(bytes: Uint8Array): { opcode: number; args: number[] } | undefined {
  if (bytes[0] !== NUMERIC_CALL) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const args: number[] = [];
  for (let i = 0; i < (bytes[2] as number); i++) args.push(view.getFloat64(3 + 8 * i, true));
  return { opcode: bytes[1] as number, args };
}

export function encodeResult(value: unknown): Uint8Array {
  if (value === undefined) return Uint8Array.of(NO_RESULT);
  if (value instanceof ArrayBuffer) {
    const out = new Uint8Array(1 + value.byteLength);
    out[0] = BYTES_RESULT;
    out.set(new Uint8Array(value), 1);
    return out;
  }
  if (typeof value !== "number") return encodeWire(value);
  const out = new Uint8Array(9);
  out[0] = NUMBER_RESULT;
  new DataView(out.buffer).setFloat64(1, value, true);
  return out;
}

export function decodeResult(reply: ArrayBuffer): unknown {
  const head = new DataView(reply);
  const tag = head.getUint8(0);
  if (tag === NO_RESULT) return undefined;
  if (tag === NUMBER_RESULT) return head.getFloat64(1, true);
  if (tag === BYTES_RESULT) return reply.slice(1);
  return decodeWire(new Uint8Array(reply));
}
