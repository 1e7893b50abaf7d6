import { HalError } from "../errors.js";

/** Checks one numeric option before any hardware is touched. */
export function intOption(cls: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new HalError("bad-option", `${cls}: option ${name} must be an integer, got ${String(value)}`, name);
  }
  if (value < min || value > max) {
    throw new HalError("bad-option", `${cls}: option ${name} = ${value} is out of range ${min}..${max}`, name);
  }
  return value;
}

export function oneOf<T>(cls: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new HalError("bad-option", `${cls}: option ${name} = ${String(value)} is not one of ${allowed.join(", ")}`, name);
  }
  return value as T;
}

export { callbackOption } from "../options.js";
