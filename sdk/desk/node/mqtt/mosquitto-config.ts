import { pbkdf2Sync, randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { devicePassword } from "../../../protocol/credentials.js";
import { checkDeviceId } from "../../../protocol/transport.js";

/** An entry of the setup that cannot go into a Mosquitto configuration, named. */
export class MosquittoSetupError extends Error {
  override readonly name = "MosquittoSetupError";
}

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
 * The logins a tier of cloud instances and its tools need, each its own (the
 * broker makes a client's id its login, so two processes on one login knock
 * each other off): `cloud-1` .. `cloud-N`, and `tool-NAME` for each tool
 * (`hearth ota`, the console, a script), with random passwords.
 */
export function tierLogins(tier: { instances: number; tools?: readonly string[] }): { user: string; password: string; role: "instance" | "tool" }[] {
  return tierSetup(tier).logins;
}

/**
 * A tier's logins and its shared-subscription group. The group name is a
 * secret of the tier: Mosquitto checks a wildcard subscription's ACL only
 * when it delivers, so a device that joined the tier's group (`$share/GROUP/h/+/u`)
 * would be handed a share of the fleet's uplink and the ACL would drop it
 * (no loss: unacknowledged, it is sent again; but a delay). A group it cannot
 * guess is a group it cannot join.
 */
export function tierSetup(tier: { instances: number; tools?: readonly string[] }): { group: string; logins: { user: string; password: string; role: "instance" | "tool" }[] } {
  if (!Number.isInteger(tier.instances) || tier.instances < 0 || tier.instances > 1000) throw new MosquittoSetupError(`tier.instances must be a whole number 0..1000, got ${JSON.stringify(tier.instances)}`);
  const tools = tier.tools ?? [];
  if (!Array.isArray(tools)) throw new MosquittoSetupError("tier.tools must be a list of names");
  const password = (): string => randomBytes(18).toString("base64url");
  return {
    group: `hearth-${randomBytes(12).toString("hex")}`,
    logins: [
      ...Array.from({ length: tier.instances }, (_, i) => ({ user: `cloud-${i + 1}`, password: password(), role: "instance" as const })),
      ...tools.map((name) => ({ user: `tool-${String(name)}`, password: password(), role: "tool" as const })),
    ],
  };
}

/**
 * Writes mosquitto.conf, a password file and an ACL file to `dir`, so that a
 * Mosquitto broker enforces what the embedded broker does: each device logs
 * in with its current credential (sdk/protocol/credentials.ts) and may publish
 * only to h/<id>/u and read only h/<id>/d. Passwords are stored as Mosquitto's
 * PBKDF2-SHA512 hashes ($7$). Node-only.
 */
export function writeMosquittoConfig(dir: string, setup: MosquittoSetup): { conf: string; passwords: string; acl: string; owner: string } {
  checkSetup(setup);
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const passwords = join(out, "passwords");
  const acl = join(out, "acl");
  const conf = join(out, "mosquitto.conf");
  const lines = [
    ...setup.devices.map((d) => `${d.id}:${hash(devicePassword(fromHex(d.secret), d.id, d.issuedAt))}`),
    ...setup.backends.map((b) => `${b.user}:${hash(b.password)}`),
  ];
  writeFileSync(passwords, `${lines.join("\n")}\n`, { mode: 0o600 });
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
      // A client's id is its user name, whatever it asked for: a device cannot take another's id and
      // knock it off. So each backend process needs a user of its own (the cloud, hearth ota, ...).
      "use_username_as_clientid true",
      `password_file ${passwords}`,
      `acl_file ${acl}`,
      ...(setup.tls === undefined ? [] : [`cafile ${setup.tls.cafile}`, `certfile ${setup.tls.certfile}`, `keyfile ${setup.tls.keyfile}`]),
      "persistence false",
      "set_tcp_nodelay true",
      "",
    ].join("\n"),
  );
  return { conf, passwords, acl, owner: handToMosquitto(out, [passwords, acl, conf]) };
}

/** Ids as PROTOCOL.md section 1 has them; the offending entry is named. Nothing is written when one is wrong. */
function checkSetup(setup: MosquittoSetup): void {
  const seen = new Set<string>();
  // A backend's user name lands in the same files (passwords, ACL) as a device id: the same characters.
  const check = (what: string, id: unknown, kind: "device id" | "user" = "device id"): void => {
    if (typeof id !== "string") throw new MosquittoSetupError(`${what}: the ${kind === "user" ? "user" : "id"} must be text, got ${JSON.stringify(id)}`);
    try {
      checkDeviceId(id);
    } catch (error) {
      throw new MosquittoSetupError(`${what}: ${kind === "user" ? `user ${JSON.stringify(id)} is not a user name: 1 to 64 of A-Z a-z 0-9 _ -` : (error as Error).message}`);
    }
    if (seen.has(id)) throw new MosquittoSetupError(`${what}: ${JSON.stringify(id)} is named twice`);
    seen.add(id);
  };
  setup.devices.forEach((d, i) => {
    check(`devices[${i}]`, d.id);
    if (!Number.isSafeInteger(d.issuedAt) || d.issuedAt < 0) throw new MosquittoSetupError(`devices[${i}] (${d.id}): issuedAt must be a Unix time in ms, got ${JSON.stringify(d.issuedAt)}`);
    if (typeof d.secret !== "string" || !/^([0-9a-f]{2}){16,}$/i.test(d.secret)) throw new MosquittoSetupError(`devices[${i}] (${d.id}): secret must be at least 16 bytes of hex`);
  });
  setup.backends.forEach((b, i) => {
    check(`backends[${i}]`, b.user, "user");
    if (typeof b.password !== "string" || b.password === "" || /[\r\n]/.test(b.password)) throw new MosquittoSetupError(`backends[${i}] (${b.user}): password must be text of one line`);
  });
}

/**
 * Mosquitto started as root (Debian's service) drops to the user mosquitto
 * before it reads its password and ACL files: when this runs as root, the
 * folder and files go to that user. Otherwise they stay the caller's (0600
 * passwords), for a Mosquitto started as the caller. Returns who owns them.
 */
function handToMosquitto(dir: string, files: string[]): string {
  const uid = process.getuid?.();
  const entry = uid === 0 && existsSync("/etc/passwd") ? readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("mosquitto:")) : undefined;
  if (entry === undefined) return process.env["USER"] ?? "the caller";
  const [, , u, g] = entry.split(":");
  for (const path of [dir, ...files]) chownSync(path, Number(u), Number(g));
  return "mosquitto";
}

/** Mosquitto's $7$ password hash: PBKDF2-HMAC-SHA512, 101 iterations, a 12-byte salt, base64. */
function hash(password: string): string {
  const salt = randomBytes(12);
  const digest = pbkdf2Sync(password, salt, 101, 64, "sha512");
  return `$7$101$${salt.toString("base64")}$${digest.toString("base64")}`;
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
