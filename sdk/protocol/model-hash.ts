import { sha256 } from "@noble/hashes/sha2.js";
import type { ModelSpec } from "../thing/model.js";
import { PRESENTATION_KEYS } from "../thing/presentation.js";
import { BUILT_MODEL_HASHES } from "./built-model-hashes.js";
import { encodeDeterministic, type PlainData } from "../../os/cbor.js";

/**
 * A thing model's hash (PROTOCOL.md section 2a): the first 8 bytes of
 * SHA-256 over the model document (the whole definition, descriptions and
 * units included, presentation left out: labels, value labels, codes'
 * meanings, formats) in RFC 8949 core deterministic encoding: every map's keys
 * sorted bytewise by their own encoding, integers and lengths in their
 * shortest form, floats in the shortest form that keeps their value. Device
 * and cloud compare it in the hello to know they mean the same ids.
 */
export function modelHash(model: { readonly spec: ModelSpec }): Uint8Array {
  const built = BUILT_MODEL_HASHES[`${model.spec.id}@${model.spec.version}`];
  if (built !== undefined) return Uint8Array.from(built);
  hashes ??= new WeakMap();
  let hash = hashes.get(model.spec);
  if (hash === undefined) hashes.set(model.spec, (hash = sha256(modelDocumentCbor(model)).slice(0, 8)));
  return hash.slice();
}

/** The model document without its presentation, in deterministic CBOR: what `hearth model export` writes as `.cbor`, and what the hash is over. */
export function modelDocumentCbor(model: { readonly spec: ModelSpec }): Uint8Array {
  return encodeDeterministic(hashedDocument(model.spec) as unknown as PlainData);
}

/**
 * The document the hash is over: the spec with the presentation keys taken
 * off the model and off every member and field, by the document's structure
 * (a property may itself be named "label").
 */
export function hashedDocument(spec: ModelSpec): Record<string, unknown> {
  const members = (group: Readonly<Record<string, object>>, inner: (m: Record<string, unknown>) => Record<string, unknown>) =>
    Object.fromEntries(Object.entries(group).map(([name, m]) => [name, inner(bare(m))]));
  const fields = (m: Record<string, unknown>, ...keys: string[]) => {
    for (const key of keys) m[key] = members(m[key] as Record<string, object>, (f) => f);
    return m;
  };
  const doc = bare(spec);
  doc["properties"] = members(spec.properties, (p) => p);
  doc["actions"] = members(spec.actions, (a) => fields(a, "params", "result"));
  doc["events"] = members(spec.events, (e) => fields(e, "fields"));
  return doc;
}

function bare(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([key]) => !PRESENTATION_KEYS.includes(key)));
}

// Made at the first use, not as the module loads: on Moddable a module's body runs at build time and a
// WeakMap made then is in ROM and refuses set (hal/moddable/README.md, "Preloaded modules").
let hashes: WeakMap<object, Uint8Array> | undefined;
