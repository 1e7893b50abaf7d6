import { sha256 } from "@noble/hashes/sha2.js";
import { newKeyPair } from "../../../os/boot/signing.js";
import { encodeUtf8 } from "../../../os/cbor.js";

/**
 * The development key: its secret is public (it is derived from this text),
 * like MCUboot's sample keys. Simulated boards run images signed with it so
 * `hearth sim --engine embedded` needs no setup. Never put its public key on
 * a product: anyone can sign with it.
 */
export function developmentKey(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return newKeyPair(sha256(encodeUtf8("hearth development key: simulated boards only, never products")));
}
