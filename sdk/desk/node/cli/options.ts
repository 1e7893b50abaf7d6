import { createServer } from "node:net";
import { XsUnavailable } from "../xs/worker.js";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { FlashFileError } from "../../../../hal/sim/node/flash-file.js";
import { BrokerUnreachableError } from "../host/broker-wait.js";
import { LoginRefusedError } from "../mqtt/transport.js";
import { checkDeviceId } from "../../../protocol/transport.js";
import { parseDuration } from "../../sim/duration.js";

/** A mistake in how the CLI was called: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function hexOption(name: string, text: string): Uint8Array {
  if (!/^([0-9a-f]{2})+$/i.test(text)) throw new UsageError(`--${name} must be hex bytes`);
  return Uint8Array.from(Buffer.from(text, "hex"));
}

export function durationOption(text: string, name = "duration"): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

export function numberOption(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${text}`);
  return n;
}

/** System errors that come from what the user gave (a path, a port), not from a fault of Hearth's. */
const USER_SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "not permitted",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  EEXIST: "already exists",
  EADDRINUSE: "the port is in use",
  EADDRNOTAVAIL: "the address is not on this machine",
  EROFS: "the file system is read-only",
};

/**
 * What is wrong, in a line, when `error` is the user's to fix (a usage
 * mistake, a file or port that cannot be used): printed without a stack, exit
 * code 2. Undefined for anything else (a fault of Hearth's: exit 1, with its stack).
 */
export function userProblem(error: unknown): string | undefined {
  if (error instanceof UsageError || error instanceof FlashFileError || error instanceof BrokerUnreachableError || error instanceof LoginRefusedError || error instanceof XsUnavailable) return error.message;
  const e = error as NodeJS.ErrnoException | undefined;
  if (typeof e?.code === "string" && e.code.startsWith("ERR_PARSE_ARGS_")) return e.message;
  const why = typeof e?.code === "string" ? USER_SYSTEM_ERRORS[e.code] : undefined;
  const at = e as { address?: string; port?: number } | undefined;
  const where = e?.path ?? (at?.address === undefined ? undefined : at.port === undefined ? at.address : `${at.address}:${at.port}`) ?? e?.syscall ?? "?";
  if (why !== undefined) return `${where}: ${why} (${e?.code})`;
  return undefined;
}

/** A whole number from `min` to `max` (a count, a port, a seed). */
export function intOption(name: string, text: string, min: number, max: number): number {
  const n = numberOption(name, text, min, max);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return n;
}

/** An MQTT broker's URL: mqtt://, mqtts://, ws:// or wss://, with a host. */
export function brokerOption(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--broker must be a URL such as mqtt://127.0.0.1:1883, got ${JSON.stringify(text)}`);
  }
  if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(url.protocol) || url.hostname === "") {
    throw new UsageError(`--broker must be an mqtt://, mqtts://, ws:// or wss:// URL with a host, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** A device id as PROTOCOL.md section 1 has it. */
export function deviceIdOption(name: string, text: string): string {
  try {
    return checkDeviceId(text);
  } catch {
    throw new UsageError(`--${name} ${JSON.stringify(text)} is not a device id: 1 to 64 of A-Z a-z 0-9 _ -`);
  }
}

/** A comma-separated list of device ids, at least one. */
export function deviceListOption(name: string, text: string): string[] {
  const ids = text.split(",").map((s) => s.trim());
  if (ids.every((id) => id === "")) throw new UsageError(`--${name} names no device: give one or more ids, separated by commas`);
  return ids.map((id) => deviceIdOption(name, id));
}

/** The bytes of a file the user named (`name`: how to call it, "--pub" or "the image"); a missing file or a folder is named as such. */
export function fileOption(name: string, path: string): Buffer {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new UsageError(`${name} ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((error as Error).message)}`);
  }
  if (stat.isDirectory()) throw new UsageError(`${name} ${path} is a folder, not a file`);
  return readFileSync(path);
}

/** A folder to write into, made if it is not there (level by level: a path that cannot be made fails at once). */
export function folderOption(name: string, path: string): string {
  const full = resolve(path);
  const missing: string[] = [];
  let at = full;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (!statSync(at).isDirectory()) throw new UsageError(`${name} ${path}: ${at} is a file, not a folder`);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      throw new UsageError(`${name} ${path}: cannot make ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  return full;
}

/** A file to write: its folder must be there. */
export function outFileOption(name: string, path: string): string {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${name} ${path}: the folder ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${name} ${path} is a folder, not a file`);
  return path;
}

/**
 * Joins a negative number to the option before it (`--speed -1` becomes
 * `--speed=-1`), so the parser reads it as the option's value and the
 * option's check can say what is wrong with it, rather than taking it for an option.
 */
export function joinNegativeValues(argv: readonly string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg.startsWith("--") && !arg.includes("=") && valued.has(arg.slice(2)) && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * A port the user chose (0: any free one): checked free now, so a port that
 * is taken is an error naming it, never silently swapped for another.
 */
export async function freePortOption(name: string, text: string, host = "127.0.0.1"): Promise<number> {
  const port = intOption(name, text, 0, 65535);
  if (port === 0) return 0;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => reject(new UsageError(`--${name} ${port}: ${error.code === "EADDRINUSE" ? "the port is in use" : (USER_SYSTEM_ERRORS[error.code ?? ""] ?? error.message)}`)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
  return port;
}
