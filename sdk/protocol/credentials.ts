import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { encodeUtf8 } from "../../os/cbor.js";

/**
 * Device credentials. The MQTT user name is the device id; the password is
 * `v1.<issuedAt>.<hex HMAC-SHA256 of "<deviceId>.<issuedAt>" under the
 * device secret>`. A broker that knows the secret checks it (the embedded
 * broker does); one with a password file holds exactly the current password
 * (`hearth broker config` writes it). Either way one rule (PROTOCOL.md section
 * 1): a broker accepts exactly the device's current credential. Issuing a new
 * one (a later issuedAt) is telling the broker so; the old one is then stale,
 * and one later than the broker was told of is not issued.
 */
export function devicePassword(secret: Uint8Array, deviceId: string, issuedAt: number): string {
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new RangeError(`issuedAt must be a Unix time in ms, got ${issuedAt}`);
  return `v1.${issuedAt}.${bytesToHex(hmac(sha256, secret, encodeUtf8(`${deviceId}.${issuedAt}`)))}`;
}

export type CredentialProblem = "malformed" | "wrong-secret" | "stale" | "not-issued";

/**
 * Why `password` is not the current credential of `deviceId`, or undefined if it is.
 * `issuedAt`: the issue time of the device's current credential; an older one is
 * stale, a later one not issued (yet), as a password file that holds only the current one says.
 */
export function credentialProblem(secret: Uint8Array, deviceId: string, password: string, options: { issuedAt: number }): CredentialProblem | undefined {
  const m = /^v1\.(\d{1,16})\.([0-9a-f]{64})$/.exec(password);
  if (m === null) return "malformed";
  const issuedAt = Number(m[1]);
  if (!sameText(devicePassword(secret, deviceId, issuedAt), password)) return "wrong-secret";
  if (issuedAt < options.issuedAt) return "stale";
  if (issuedAt > options.issuedAt) return "not-issued";
  return undefined;
}

/** Compares in time that does not depend on where the texts differ. */
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
