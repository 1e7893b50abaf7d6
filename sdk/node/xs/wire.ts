import { decodeCbor, encodeCbor, type CborValue } from "../../../os/cbor.js";

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
 * ioWrite, digital and analog opens: numbers in, a number or nothing out),
 * sparing XS a CBOR encoding each time. Its first byte is one CBOR reserves
 * (0xfc..0xfe: no encoder writes them), so the two ways never mix up.
 */
const NUMERIC_CALL = 0xfe;
const NUMBER_RESULT = 0xfd;
const NO_RESULT = 0xfc;

/** [tag, opcode, count] then each argument as a little-endian float64. */
export function encodeNumericCall(opcode: number, args: readonly number[]): Uint8Array {
  const out = new Uint8Array(3 + 8 * args.length);
  const view = new DataView(out.buffer);
  out[0] = NUMERIC_CALL;
  out[1] = opcode;
  out[2] = args.length;
  args.forEach((a, i) => view.setFloat64(3 + 8 * i, a, true));
  return out;
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
  if (typeof value !== "number") return encodeWire(value);
  const out = new Uint8Array(9);
  out[0] = NUMBER_RESULT;
  new DataView(out.buffer).setFloat64(1, value, true);
  return out;
}

export function decodeResult(bytes: Uint8Array): unknown {
  if (bytes[0] === NO_RESULT) return undefined;
  if (bytes[0] === NUMBER_RESULT) return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(1, true);
  return decodeWire(bytes);
}
