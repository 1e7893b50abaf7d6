import { FlashFileError } from "../../../hal/sim/node/flash-file.js";
import { parseDuration } from "../../sim/duration.js";

/** A mistake in how the CLI was called: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function hexOption(name: string, text: string): Uint8Array {
  if (!/^([0-9a-f]{2})+$/i.test(text)) throw new UsageError(`--${name} must be hex bytes`);
  return Uint8Array.from(Buffer.from(text, "hex"));
}

export function durationOption(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`--duration: ${(error as Error).message}`);
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
  if (error instanceof UsageError || error instanceof FlashFileError) return error.message;
  const e = error as NodeJS.ErrnoException | undefined;
  if (typeof e?.code === "string" && e.code.startsWith("ERR_PARSE_ARGS_")) return e.message;
  const why = typeof e?.code === "string" ? USER_SYSTEM_ERRORS[e.code] : undefined;
  if (why !== undefined) return `${e?.path ?? (e as { address?: string } | undefined)?.address ?? e?.syscall ?? "?"}: ${why} (${e?.code})`;
  return undefined;
}
