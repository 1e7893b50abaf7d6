import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { devicePassword } from "../../link/credentials.js";

export interface DeviceCredential {
  id: string;
  /** The device secret, hex. */
  secret: string;
  /** Issue time of the device's current credential, Unix ms. */
  issuedAt: number;
}

export interface MosquittoSetup {
  devices: readonly DeviceCredential[];
  /** Backend users (the cloud side): they may use every topic under h/. */
  backends: readonly { user: string; password: string }[];
  port: number;
  host?: string;
  /** TLS: paths of the CA, certificate and key files Mosquitto should use. */
  tls?: { cafile: string; certfile: string; keyfile: string };
}

/**
 * Writes mosquitto.conf, a password file and an ACL file to `dir`, so that a
 * Mosquitto broker enforces what the embedded broker does: each device logs
 * in with its current credential (sdk/link/credentials.ts) and may publish
 * only to h/<id>/u and read only h/<id>/d. Passwords are stored as Mosquitto's
 * PBKDF2-SHA512 hashes ($7$). Node-only.
 */
export function writeMosquittoConfig(dir: string, setup: MosquittoSetup): { conf: string; passwords: string; acl: string } {
  mkdirSync(dir, { recursive: true });
  const passwords = join(dir, "passwords");
  const acl = join(dir, "acl");
  const conf = join(dir, "mosquitto.conf");
  const lines = [
    ...setup.devices.map((d) => `${d.id}:${hash(devicePassword(fromHex(d.secret), d.id, d.issuedAt))}`),
    ...setup.backends.map((b) => `${b.user}:${hash(b.password)}`),
  ];
  writeFileSync(passwords, `${lines.join("\n")}\n`, { mode: 0o640 });
  writeFileSync(
    acl,
    [
      "# Backends: every device's topics.",
      ...setup.backends.flatMap((b) => [`user ${b.user}`, "topic readwrite h/#", ""]),
      "# Devices: their own two topics, by user name (= device id).",
      "pattern write h/%u/u",
      "pattern read h/%u/d",
      "",
    ].join("\n"),
  );
  writeFileSync(
    conf,
    [
      `listener ${setup.port} ${setup.host ?? "127.0.0.1"}`,
      "allow_anonymous false",
      `password_file ${passwords}`,
      `acl_file ${acl}`,
      ...(setup.tls === undefined ? [] : [`cafile ${setup.tls.cafile}`, `certfile ${setup.tls.certfile}`, `keyfile ${setup.tls.keyfile}`]),
      "persistence false",
      "set_tcp_nodelay true",
      "",
    ].join("\n"),
  );
  return { conf, passwords, acl };
}

/** Mosquitto's $7$ password hash: PBKDF2-HMAC-SHA512, 101 iterations, a 12-byte salt, base64. */
function hash(password: string): string {
  const salt = randomBytes(12);
  const digest = pbkdf2Sync(password, salt, 101, 64, "sha512");
  return `$7$101$${salt.toString("base64")}$${digest.toString("base64")}`;
}

function fromHex(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new Error("a device secret is hex bytes");
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
