import { sha256 } from "@noble/hashes/sha2.js";
import type { ModelSpec } from "../thing/model.js";
import { encodeCbor, type CborValue } from "../../os/cbor.js";

/**
 * A thing model's hash (PROTOCOL.md section 2a): the first 8 bytes of
 * SHA-256 over the model document (the whole definition, descriptions and
 * units included) in RFC 8949 core deterministic encoding: every map's keys
 * sorted bytewise by their own encoding, integers and lengths in their
 * shortest form, floats in the shortest form that keeps their value. Device
 * and cloud compare it in the hello to know they mean the same ids.
 */
export function modelHash(model: { readonly spec: ModelSpec }): Uint8Array {
  hashes ??= new WeakMap();
  let hash = hashes.get(model.spec);
  if (hash === undefined) hashes.set(model.spec, (hash = sha256(modelDocumentCbor(model)).slice(0, 8)));
  return hash.slice();
}

/** The model document in deterministic CBOR: what `hearth model export` writes, and what the hash is over. */
export function modelDocumentCbor(model: { readonly spec: ModelSpec }): Uint8Array {
  return encodeCbor(canonical(model.spec));
}

// Made at the first use, not as the module loads: on Moddable a module's body runs at build time and a
// WeakMap made then is in ROM and refuses set (hal/moddable/README.md, "Preloaded modules").
let hashes: WeakMap<object, Uint8Array> | undefined;

function canonical(value: unknown): CborValue {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value)
      .map((k) => ({ k, bytes: encodeCbor(k) }))
      .sort((a, b) => bytewise(a.bytes, b.bytes));
    return new Map(keys.map(({ k }) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value as CborValue;
}

function bytewise(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}
