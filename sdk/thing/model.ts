import { frozen } from "../../hal/frozen.js";
import { presentationProblem, type Format, type Label, type StringFormat } from "./presentation.js";
/**
 * The thing model: one definition from which firmware types, cloud types,
 * wire ids and runtime validation all flow (as zod does for schemas).
 */

export type Access = "r" | "rw";
export type Level = "debug" | "info" | "warn" | "error" | "critical";
export type EnumValue = string | number;

interface Base {
  /** Small integer id: the key on the wire. Unique within its group; 0..23 costs one byte. */
  readonly id: number;
  readonly description?: string;
  /** What a person reads for it (presentation: not in the model hash). */
  readonly label?: Label;
}
export interface BoolSpec extends Base {
  readonly type: "bool";
  /** What false and true read as, in that order (presentation). */
  readonly valueLabels?: readonly [Label, Label];
}
export interface IntSpec extends Base {
  readonly type: "int";
  readonly min?: number;
  readonly max?: number;
  readonly unit?: string;
  /** What each value means, for an error code or any enumeration of integers (presentation). */
  readonly codes?: Readonly<Record<number, Label>>;
  /** A clock time or a UTC offset, in minutes (presentation). */
  readonly format?: Format;
}
export interface NumberSpec extends Base {
  readonly type: "number";
  readonly min?: number;
  readonly max?: number;
  /** With a step, values are whole multiples of it and travel as integer counts of steps. */
  readonly step?: number;
  readonly unit?: string;
}
export interface EnumSpec extends Base {
  readonly type: "enum";
  /** Travels as the index into this list. */
  readonly values: readonly EnumValue[];
  /** What each value reads as, in the order of `values` (presentation). */
  readonly valueLabels?: readonly Label[];
}
export interface StringSpec extends Base {
  readonly type: "string";
  readonly maxLength?: number;
  /** A list: of phases, "STATE:MINUTES ...", or of rooms, "NAME:X0,Y0,X1,Y1;..." (presentation; see StringFormat). */
  readonly format?: StringFormat;
}

/** A field of an action's params or result, or of an event. */
export type FieldSpec = BoolSpec | IntSpec | NumberSpec | EnumSpec | StringSpec;
/** A property: a field the device reports; "rw" ones the cloud may also set. */
export type PropertySpec = FieldSpec & { readonly access: Access };

export interface ActionSpec {
  readonly id: number;
  readonly description?: string;
  readonly label?: Label;
  readonly params: Readonly<Record<string, FieldSpec>>;
  readonly result: Readonly<Record<string, FieldSpec>>;
}
export interface EventSpec {
  readonly id: number;
  readonly description?: string;
  readonly label?: Label;
  readonly level: Level;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

export interface ModelSpec {
  /** Names the kind of appliance, e.g. "hearth.aircon". */
  readonly id: string;
  readonly version: number;
  /** The kind of appliance as a person says it (presentation). */
  readonly label?: Label;
  readonly properties: Readonly<Record<string, PropertySpec>>;
  readonly actions: Readonly<Record<string, ActionSpec>>;
  readonly events: Readonly<Record<string, EventSpec>>;
}

// ---- Types that flow from a spec ----

export type ValueOf<F> = F extends { readonly type: "bool" }
  ? boolean
  : F extends { readonly type: "int" | "number" }
    ? number
    : F extends { readonly type: "enum"; readonly values: readonly (infer V)[] }
      ? V
      : F extends { readonly type: "string" }
        ? string
        : never;

export type Values<Fields> = { -readonly [K in keyof Fields]: ValueOf<Fields[K]> };

export type Props<M extends ModelSpec> = Values<M["properties"]>;
export type PropName<M extends ModelSpec> = keyof M["properties"] & string;
export type WritableName<M extends ModelSpec> = {
  [K in PropName<M>]: M["properties"][K]["access"] extends "rw" ? K : never;
}[PropName<M>];
export type Writable<M extends ModelSpec> = Pick<Props<M>, WritableName<M>>;

export type ActionName<M extends ModelSpec> = keyof M["actions"] & string;
export type ParamsOf<M extends ModelSpec, A extends ActionName<M>> = Values<M["actions"][A]["params"]>;
export type ResultOf<M extends ModelSpec, A extends ActionName<M>> = Values<M["actions"][A]["result"]>;

export type EventName<M extends ModelSpec> = keyof M["events"] & string;
export type FieldsOf<M extends ModelSpec, E extends EventName<M>> = Values<M["events"][E]["fields"]>;

/** Any checked model, when its exact spec does not matter (lists of models, registries). */
export interface AnyModel {
  readonly spec: ModelSpec;
  readonly id: string;
  readonly version: number;
  propertyById(id: number): [string, PropertySpec] | undefined;
  actionById(id: number): [string, ActionSpec] | undefined;
  eventById(id: number): [string, EventSpec] | undefined;
}

/** A checked model, with lookups by wire id. */
export interface Model<M extends ModelSpec = ModelSpec> extends AnyModel {
  readonly spec: M;
  propertyById(id: number): [PropName<M>, PropertySpec] | undefined;
  actionById(id: number): [ActionName<M>, ActionSpec] | undefined;
  eventById(id: number): [EventName<M>, EventSpec] | undefined;
}

export class ModelError extends Error {
  override readonly name = "ModelError";
}

/**
 * Checks a spec once (unique ids, sane ranges, steps and enums) and returns
 * the model. Pass the spec as a literal: `defineModel({...})` keeps its types.
 */
export function defineModel<const M extends ModelSpec>(spec: M): Model<M> {
  frozen(spec);
  const where = `model ${spec.id}`;
  const properties = indexById(where, "property", spec.properties);
  for (const [name, prop] of Object.entries(spec.properties)) checkField(`${where} property ${name}`, prop);
  const actions = indexById(where, "action", spec.actions);
  for (const [name, action] of Object.entries(spec.actions)) {
    indexById(`${where} action ${name}`, "param", action.params);
    indexById(`${where} action ${name}`, "result field", action.result);
    for (const [field, f] of Object.entries(action.params)) checkField(`${where} action ${name} param ${field}`, f);
    for (const [field, f] of Object.entries(action.result)) checkField(`${where} action ${name} result ${field}`, f);
  }
  const events = indexById(where, "event", spec.events);
  for (const [name, event] of Object.entries(spec.events)) {
    indexById(`${where} event ${name}`, "field", event.fields);
    for (const [field, f] of Object.entries(event.fields)) checkField(`${where} event ${name} field ${field}`, f);
  }
  return Object.freeze({
    spec,
    id: spec.id,
    version: spec.version,
    propertyById: (id: number) => properties.get(id) as [PropName<M>, PropertySpec] | undefined,
    actionById: (id: number) => actions.get(id) as [ActionName<M>, ActionSpec] | undefined,
    eventById: (id: number) => events.get(id) as [EventName<M>, EventSpec] | undefined,
  });
}

function indexById<T extends { readonly id: number }>(
  where: string,
  what: string,
  members: Readonly<Record<string, T>>,
): Map<number, [string, T]> {
  const byId = new Map<number, [string, T]>();
  for (const [name, member] of Object.entries(members)) {
    if (!Number.isInteger(member.id) || member.id < 0 || member.id > 0xffff) {
      throw new ModelError(`${where}: ${what} ${name} has id ${member.id}; ids are integers 0..65535`);
    }
    const clash = byId.get(member.id);
    if (clash !== undefined) throw new ModelError(`${where}: ${what}s ${clash[0]} and ${name} share id ${member.id}`);
    byId.set(member.id, [name, member]);
  }
  return byId;
}

function checkField(where: string, f: FieldSpec): void {
  if (f.type === "int" || f.type === "number") {
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) throw new ModelError(`${where}: min ${f.min} > max ${f.max}`);
  }
  if (f.type === "number" && f.step !== undefined) {
    if (!(f.step > 0) || !Number.isFinite(f.step)) throw new ModelError(`${where}: step must be a positive number`);
    for (const bound of [f.min, f.max]) {
      if (bound !== undefined && !onStep(bound, f.step)) throw new ModelError(`${where}: bound ${bound} is not a multiple of step ${f.step}`);
    }
  }
  if (f.type === "enum") {
    if (f.values.length === 0) throw new ModelError(`${where}: an enum needs at least one value`);
    if (new Set(f.values).size !== f.values.length) throw new ModelError(`${where}: enum values repeat`);
  }
  const problem = presentationProblem(f);
  if (problem !== undefined) throw new ModelError(`${where}: ${problem}`);
}

/** Decimal places of a step (0.5 -> 1, 0.25 -> 2, 5 -> 0), to undo float error. */
export function stepDecimals(step: number): number {
  // Made at the first use, not as the module loads (a preloaded Map is in ROM on Moddable).
  decimalsOf ??= new Map();
  let decimals = decimalsOf.get(step);
  if (decimals === undefined) decimalsOf.set(step, (decimals = decimalsIn(step)));
  return decimals;
}
let decimalsOf: Map<number, number> | undefined;

function decimalsIn(step: number): number {
  const text = String(step);
  const e = text.indexOf("e-");
  if (e >= 0) return Number(text.slice(e + 2));
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** A number as a whole count of steps. `+ 0` makes minus zero zero: CBOR would carry -0 as a float, and the spec says integer. */
export function stepsOf(value: number, step: number): number {
  return Math.round(value / step) + 0;
}

/**
 * The value a member holds for `value`: the model owns quantization, so a
 * stepped number snaps to its nearest step (without float error), and no
 * number is minus zero. Anything else is returned as it is, for the checks
 * to judge. Firmware never rounds by hand.
 */
export function quantize(spec: FieldSpec, value: unknown): unknown {
  if (typeof value !== "number" || !Number.isFinite(value)) return value;
  if (spec.type === "number" && spec.step !== undefined) return Number((stepsOf(value, spec.step) * spec.step).toFixed(stepDecimals(spec.step))) + 0;
  return spec.type === "int" || spec.type === "number" ? value + 0 : value;
}

/** `quantize` over named values; unknown names pass through, for the checks to name. */
export function quantizeAll(fields: Readonly<Record<string, FieldSpec>>, values: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  // Firmware updates its measurements every tick: no copy unless a value moved, and no entry arrays.
  let out: Record<string, unknown> | undefined;
  for (const name in values) {
    const spec = fields[name];
    const value = values[name];
    const snapped = spec === undefined ? value : quantize(spec, value);
    if (!Object.is(snapped, value)) out ??= { ...values };
    if (out !== undefined) out[name] = snapped;
  }
  return out ?? values;
}

/** A model's members less some, for an earlier revision defined from a later one (`defineModel({ ...spec, version: 1, properties: without(spec.properties, ["x"]) })`). */
export function without<T extends Readonly<Record<string, unknown>>, K extends keyof T & string>(members: T, names: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(members).filter(([name]) => !(names as readonly string[]).includes(name))) as Omit<T, K>;
}

/** The one read-only rule: the cloud (and a panel's key) may write a property only when the model says "rw". */
export function writable(spec: PropertySpec): boolean {
  return spec.access === "rw";
}

export function onStep(value: number, step: number): boolean {
  const back = Number((stepsOf(value, step) * step).toFixed(stepDecimals(step)));
  return Math.abs(back - value) <= 1e-9 * Math.max(1, Math.abs(value));
}
