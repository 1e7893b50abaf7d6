import { HearthError, memberFaultCode, type MemberKind } from "../thing/errors.js";
import { stepDecimals, stepsOf, type FieldSpec } from "../thing/model.js";
import { problemWith, type Checked } from "../thing/validate.js";
import { cameAsFloat, type WireMembers, type WireValue } from "./envelope.js";

type Fields = Readonly<Record<string, FieldSpec>>;
type What = MemberKind;

/** One checked value to its wire form: enums as their index, stepped numbers as a count of steps, never minus zero (CBOR would carry it as a float). */
export function valueToWire(spec: FieldSpec, value: unknown): WireValue {
  if (spec.type === "enum") return spec.values.indexOf(value as never);
  if (spec.type === "number" && spec.step !== undefined) return stepsOf(value as number, spec.step);
  if (spec.type === "int") return (value as number) + 0;
  return value as WireValue;
}

/** One wire value back to its value, or the reason it cannot be one. */
export function valueFromWire(spec: FieldSpec, wire: WireValue): { value: unknown } | { why: string; fault?: "out-of-range" } {
  switch (spec.type) {
    case "enum":
      if (typeof wire !== "number" || !Number.isInteger(wire) || wire < 0 || wire >= spec.values.length) {
        // An integer that is no index is out of range (section 6); anything else is of the wrong type.
        return { why: `must travel as an index 0..${spec.values.length - 1}, got ${String(wire)}`, ...(typeof wire === "number" && Number.isInteger(wire) ? { fault: "out-of-range" as const } : {}) };
      }
      return { value: spec.values[wire] };
    case "number":
      if (spec.step === undefined) return { value: wire };
      if (typeof wire !== "number" || !Number.isInteger(wire)) return { why: `must travel as an integer count of steps, got ${String(wire)}` };
      return { value: Number((wire * spec.step).toFixed(stepDecimals(spec.step))) };
    default:
      return { value: wire };
  }
}

/** Checked named values to wire members: a conversion only (the values were checked once, where they came in). */
export function membersToWire(fields: Fields, values: Checked<Readonly<Record<string, unknown>>>): WireMembers {
  const out: WireMembers = new Map();
  for (const [name, spec] of Object.entries(fields)) {
    if (name in values) out.set(spec.id, valueToWire(spec, values[name]));
  }
  return out;
}

// Made at the first use, not as the module loads (a preloaded WeakMap is in ROM on Moddable: hal/moddable/README.md).
let byIdCache: WeakMap<Fields, Map<number, [string, FieldSpec]>> | undefined;
function byId(fields: Fields): Map<number, [string, FieldSpec]> {
  byIdCache ??= new WeakMap();
  let map = byIdCache.get(fields);
  if (map === undefined) {
    map = new Map(Object.entries(fields).map(([name, spec]) => [spec.id, [name, spec]]));
    byIdCache.set(fields, map);
  }
  return map;
}

/**
 * Wire members back to named values, every one checked against its spec.
 * Throws a HearthError naming the first member at fault; returns nothing partial.
 */
export function membersFromWire(fields: Fields, members: WireMembers, what: What, required: boolean): Checked<Record<string, unknown>> {
  const index = byId(fields);
  const out: Record<string, unknown> = {};
  for (const [id, wire] of members) {
    const entry = index.get(id);
    if (entry === undefined) throw new HearthError(memberFaultCode(what, "unknown"), `unknown ${what} id ${id}`, String(id)); // named by its wire id: it has no name
    const [name, spec] = entry;
    const decoded =
      cameAsFloat(members, id) && (spec.type === "int" || spec.type === "enum" || (spec.type === "number" && spec.step !== undefined))
        ? { why: `must travel as an integer, got the float ${String(wire)}` }
        : valueFromWire(spec, wire);
    if ("why" in decoded) throw new HearthError(memberFaultCode(what, decoded.fault ?? "wrong-type"), `${what} ${name} ${decoded.why}`, name);
    const problem = problemWith(spec, decoded.value);
    if (problem !== undefined) throw new HearthError(memberFaultCode(what, problem.code), `${what} ${name} ${problem.why}`, name);
    out[name] = decoded.value;
  }
  if (required) {
    for (const name of Object.keys(fields)) {
      if (!(name in out)) throw new HearthError(memberFaultCode(what, "missing"), `${what} ${name} is missing`, name);
    }
  }
  return out as Checked<Record<string, unknown>>;
}


