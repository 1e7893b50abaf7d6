import { HearthError, memberFaultCode, type MemberKind } from "./errors.js";
import { onStep, type FieldSpec, type Values } from "./model.js";

declare const checkedBrand: unique symbol;
/**
 * Values the model has checked (by `checkValues`, or decoded and checked by
 * the protocol's `membersFromWire`). A hop hands its next step `Checked`
 * values, and nothing checks them again: each value is checked once per hop.
 */
export type Checked<T> = T & { readonly [checkedBrand]: true };

/** Why `value` is not a valid value of `spec`, or undefined when it is. */
export function problemWith(spec: FieldSpec, value: unknown): { code: "wrong-type" | "out-of-range"; why: string } | undefined {
  switch (spec.type) {
    case "bool":
      return typeof value === "boolean" ? undefined : wrongType("a boolean", value);
    case "string":
      if (typeof value !== "string") return wrongType("a string", value);
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        return { code: "out-of-range", why: `is ${value.length} characters long, more than ${spec.maxLength}` };
      }
      return undefined;
    case "enum":
      return spec.values.includes(value as never)
        ? undefined
        : { code: "out-of-range", why: `is ${show(value)}, not one of ${spec.values.map(show).join(", ")}` };
    case "int":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return wrongType("a finite number", value);
      if (spec.type === "int" && !Number.isInteger(value)) return wrongType("an integer", value);
      if (spec.min !== undefined && value < spec.min) return { code: "out-of-range", why: `is ${value}, below the minimum ${spec.min}` };
      if (spec.max !== undefined && value > spec.max) return { code: "out-of-range", why: `is ${value}, above the maximum ${spec.max}` };
      if (spec.type === "number" && spec.step !== undefined && !onStep(value, spec.step)) {
        return { code: "out-of-range", why: `is ${value}, not a multiple of the step ${spec.step}` };
      }
      return undefined;
    }
  }
}

/**
 * Checks a set of named values against their specs: every one present that
 * `required` asks for, none unknown, each valid. Throws a HearthError naming
 * the first one at fault; `what` says what they are ("property", "param").
 */
export function checkValues<F extends Readonly<Record<string, FieldSpec>>>(
  fields: F,
  values: Readonly<Record<string, unknown>>,
  what: MemberKind,
  required: boolean,
): Checked<Partial<Values<F>>> {
  for (const [name, value] of Object.entries(values)) {
    const spec = fields[name];
    if (spec === undefined) {
      throw new HearthError(memberFaultCode(what, "unknown"), `unknown ${what} ${name}`, name);
    }
    const problem = problemWith(spec, value);
    if (problem !== undefined) {
      throw new HearthError(memberFaultCode(what, problem.code), `${what} ${name} ${problem.why}`, name);
    }
  }
  if (required) {
    for (const name of Object.keys(fields)) {
      if (!(name in values)) throw new HearthError(memberFaultCode(what, "missing"), `${what} ${name} is missing`, name);
    }
  }
  return values as Checked<Partial<Values<F>>>;
}

function wrongType(expected: string, value: unknown): { code: "wrong-type"; why: string } {
  return { code: "wrong-type", why: `must be ${expected}, got ${show(value)}` };
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
