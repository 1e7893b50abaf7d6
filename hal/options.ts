import { HalError } from "./errors.js";

/**
 * Option checks the IO classes share, image side and simulated side alike:
 * each names the class and the option, and throws before anything is claimed.
 */

/** An integer option in min..max; undefined stays undefined (the caller's default applies). */
export function integerOption(cls: string, name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new HalError("bad-option", `${cls}: option ${name} must be an integer ${min}..${max}, got ${String(value)}`, name);
  }
  return value;
}

/** An integer option that must be given. */
export function requiredInteger(cls: string, name: string, value: unknown, min: number, max: number): number {
  return integerOption(cls, name, value ?? NaN, min, max) as number;
}

export function callbackOption(cls: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") {
    throw new HalError("bad-option", `${cls}: option ${name} must be a function`, name);
  }
}
