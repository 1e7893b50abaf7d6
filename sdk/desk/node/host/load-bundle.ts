import { transformSync } from "esbuild";
import { sha256 } from "@noble/hashes/sha2.js";
import type { FirmwareModule } from "../../../device/runtime/firmware.js";
import type { ModelSpec } from "../../../thing/model.js";

const loaded = new Map<string, FirmwareModule<ModelSpec>>();

/**
 * Loads a firmware image's bundle on the Node host: the ES module is turned
 * into a function (synchronously, so a board boots within one step of its
 * clock) and evaluated with nothing in scope but the language. The same
 * bundle bytes load once per process. Node-only.
 */
export function loadBundle(bundle: Uint8Array): FirmwareModule<ModelSpec> {
  const key = Buffer.from(sha256(bundle)).toString("hex");
  const cached = loaded.get(key);
  if (cached !== undefined) return cached;
  const { code } = transformSync(new TextDecoder().decode(bundle), { format: "iife", globalName: "hearthImage", target: "es2022" });
  const exports = new Function(`"use strict";${code}\nreturn hearthImage;`)() as Partial<FirmwareModule<ModelSpec>>;
  if (typeof exports.firmware !== "function" || exports.model === undefined || exports.initial === undefined) {
    throw new Error("the image's bundle does not export firmware, model and initial (see examples/aircon/image.ts)");
  }
  const module = exports as FirmwareModule<ModelSpec>;
  loaded.set(key, module);
  return module;
}
