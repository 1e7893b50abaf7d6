import type { NativeBinding } from "../../../hal/native.js";

/**
 * SHA-256 from the chip's crypto engine. `hearth build` puts this module in
 * an image wherever code imports @noble/hashes' sha2 (an image need not carry
 * a hash library: the native binding has one); the engine entry installs the
 * binding before anything hashes.
 */
let chip: NativeBinding | undefined;

export function useChipHash(native: NativeBinding): void {
  chip = native;
}

export function sha256(data: Uint8Array): Uint8Array {
  if (chip === undefined) throw new Error("sha256: the chip's crypto engine is not bound yet");
  return new Uint8Array(chip.sha256(data.slice().buffer));
}
