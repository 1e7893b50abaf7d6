import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, encodeHeader, type Image, type ImageHeader, type SignatureCheck } from "./image.js";

/**
 * The signing side of images, and Ed25519 in JavaScript (@noble/curves, audited).
 * Tools, tests and the Node host use it; a firmware image does not (its
 * engine verifies with the chip's crypto), so nothing here is bundled into one.
 */

/** Ed25519 verification in JavaScript. */
export const verifyEd25519: SignatureCheck = (signature, message, publicKey) => ed25519.verify(signature, message, publicKey);

/** Makes a signed image of `bundle` with the Ed25519 secret key. */
export function buildImage(header: Omit<ImageHeader, "bundleBytes" | "bundleSha256">, bundle: Uint8Array, secretKey: Uint8Array): Image {
  const full: ImageHeader = { ...header, bundleBytes: bundle.length, bundleSha256: sha256(bundle) };
  const signed = concat(encodeHeader(full), bundle);
  const signature = ed25519.sign(signed, secretKey);
  return { ...full, bundle, signature, bytes: concat(signed, signature) };
}

export function newKeyPair(randomBytes?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = randomBytes ?? ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}
