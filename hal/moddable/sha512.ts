/*
 * SHA-512 from Moddable's crypt (`Digest`, C), in place of @noble/hashes' JavaScript one when
 * `hearth build` bundles hearth-ed25519.js (ed25519.ts): noble's Ed25519 calls it with the
 * bytes to hash and wants the 64-byte digest.
 */
import { Digest } from "crypt";

export function sha512(data: Uint8Array): Uint8Array {
  const digest = new Digest("SHA512");
  digest.write(data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? (data.buffer as ArrayBuffer) : data.slice().buffer);
  return new Uint8Array(digest.close());
}
sha512.outputLen = 64;
sha512.blockLen = 128;
