import { sha256 } from "@noble/hashes/sha2.js";
import type { ModelSpec } from "../thing/model.js";
import { encodeCbor, type CborValue } from "../../os/cbor.js";

/**
 * The first 8 bytes of SHA-256 over the model's canonical CBOR (maps with
 * keys sorted). Device and cloud compare it in the hello to know they speak
 * about the same ids.
 */
export function modelHash(model: { readonly spec: ModelSpec }): Uint8Array {
  return sha256(encodeCbor(canonical(model.spec))).slice(0, 8);
}

function canonical(value: unknown): CborValue {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return new Map(keys.map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value as CborValue;
}
