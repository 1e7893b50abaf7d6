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
