import { decodeCbor, encodeCbor, type CborValue } from "../../../os/cbor.js";

/*
 * The values of the native contract (hal/NATIVE.md "Values and errors") as
 * they cross between the host and XS: CBOR, with an ArrayBuffer as a byte
 * string and a plain object as a map with text keys. Runtime-neutral: the
 * shim inside XS (shim.ts) and the host use the same two functions.
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
