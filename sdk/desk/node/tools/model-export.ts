import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { modelDocumentCbor, modelHash } from "../../../protocol/model-hash.js";
import type { AnyModel } from "../../../thing/model.js";

/**
 * Writes a thing model as the language-neutral document PROTOCOL.md section
 * 3a defines: `<id>.json` (the definition) and `<id>.cbor` (its deterministic
 * CBOR, what the model hash is over). Returns the files and the hash (hex).
 */
export function exportModel(model: AnyModel, dir: string): { json: string; cbor: string; hash: string } {
  const json = join(dir, `${model.id}.json`);
  const cbor = join(dir, `${model.id}.cbor`);
  writeFileSync(json, `${JSON.stringify(model.spec, null, 2)}\n`);
  writeFileSync(cbor, modelDocumentCbor(model));
  return { json, cbor, hash: Buffer.from(modelHash(model)).toString("hex") };
}
