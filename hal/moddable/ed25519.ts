/*
 * Ed25519 verification on Moddable, for the native binding's ed25519Verify (hal/NATIVE.md):
 * @noble/curves' ed25519, the library the bootloader's Node side verifies with
 * (os/boot/signing.ts), with the same options (its defaults), so a signature is good here exactly
 * when it is good there. Moddable's crypt has no Ed25519; it has SHA-512 in C (`Digest`), and
 * `hearth build` puts that in place of @noble/hashes' JavaScript SHA-512 (sha512.ts): hashing a
 * 150 KB image is most of a verify's time in JavaScript. `hearth build --target moddable` bundles
 * this file into the project as hearth-ed25519.js, preloaded.
 */
import { ed25519 } from "@noble/curves/ed25519.js";

const { Point } = ed25519;
// No precomputed table for the base point: noble builds one of 1,408 points at its first use,
// hundreds of KB of BigInts that an ESP32's RAM cannot hold. Without it a verify costs one more
// scalar multiplication (about 10 ms of XS on a PC).
Point.BASE.precompute(1);
// Whatever noble caches the first time it decodes and multiplies a point, it caches now: preloaded
// by Moddable's linker, this runs at build time, and a WeakMap filled later would be in ROM and
// refuse it (hal/moddable/README.md, "Preloaded modules"). A verify writes none today (the fake
// ESP32's preload passes without this line); it stays against a noble that would.
Point.fromBytes(Point.BASE.toBytes()).multiplyUnsafe(2n);

/** RFC 8032 verification; false for any malformed input, as the contract says. */
export function verify(signature: ArrayBuffer, message: ArrayBuffer, publicKey: ArrayBuffer): boolean {
  try {
    return ed25519.verify(new Uint8Array(signature), new Uint8Array(message), new Uint8Array(publicKey));
  } catch {
    return false;
  }
}
