import type { SimulatedH1 } from "../../../hal/sim/index.js";
import type { Random } from "../../../os/random.js";
import type { FirmwareContext } from "../../device/runtime/firmware.js";
import { writable, type AnyModel, type Model, type ModelSpec, type PropertySpec, type PropName, type Props } from "../../thing/model.js";
import { formatValue, type Label } from "../../thing/presentation.js";

/** The world around a simulated board: it reads actuators and writes sensors. */
export interface Plant {
  step(dtS: number): void;
  /** Named physical quantities for status lines, charts and summaries (°C, rpm, ...). */
  readings(): Record<string, number>;
  /** The sensors fault injection may break: open or short one, or mend it (undefined). */
  readonly sensors?: { readonly names: readonly string[]; set(name: string, failure: "open" | "short" | undefined): void };
  /** What a person can do to the appliance by hand (open the door, empty the bin), by name; each says what happened ("the door is locked: it stays shut"). */
  readonly byHand?: Readonly<Record<string, () => string>>;
  /** The floor the appliance moves over (a robot vacuum's flat), for a console to draw. */
  readonly floorPlan?: FloorPlan;
}

/**
 * A floor as a console draws it: rows of cells (`#` wall or furniture, `.`
 * floor, `v` a drop, `D` the dock), the cells' size, and the rooms by name.
 */
export interface FloorPlan {
  readonly rows: readonly string[];
  readonly cellM: number;
  readonly dock: { readonly x: number; readonly y: number };
  readonly rooms: readonly { readonly label: Label; readonly x: number; readonly y: number; readonly w: number; readonly h: number }[];
}

/**
 * An appliance as the simulator runs it: a model, the firmware, its board's
 * plant, and how to show it. Each example exports one as `app`.
 */
export interface ApplianceApp<M extends ModelSpec> {
  readonly name: string;
  readonly firmwareVersion: string;
  readonly boardId: string;
  readonly model: Model<M>;
  /** Earlier revisions of the model that firmware in the field may still speak: the session's cloud serves them beside `model`. */
  readonly earlierModels?: readonly AnyModel[];
  readonly initial: Props<M>;
  firmware(ctx: FirmwareContext<M>): void;
  createPlant(h1: SimulatedH1, random: Pick<Random, "range" | "next" | "int">): Plant;
  /** One short line: what a person watching the appliance wants to see. */
  status(state: Props<M>, readings: Record<string, number>): string;
  /** The appliance's front panel (its board's): key n and indicator LED n by name. The console draws it. */
  readonly panel?: PanelSpec;
  /**
   * What the console charts first: the plant's readings by name, and reported
   * properties as "NAME (reported)". Default: the first two readings.
   */
  readonly chart?: readonly string[];
}

/**
 * The app's initial values of the properties a user sets (access "rw"): what
 * the simulator sets from the cloud once a device is up, as a user with the
 * app would (a factory-fresh image starts from its defaults).
 */
export function userSettings<M extends ModelSpec>(app: ApplianceApp<M>): Record<string, unknown> {
  const initial = app.initial as Record<string, unknown>;
  return Object.fromEntries(Object.entries(app.model.spec.properties).flatMap(([name, spec]) => (writable(spec) && initial[name] !== undefined ? [[name, initial[name]]] : [])));
}

/** A front panel as a board defines it: what each key and each indicator LED is. */
export interface PanelSpec {
  readonly keys: readonly string[];
  readonly indicators: readonly string[];
}

export function defineApp<M extends ModelSpec>(app: ApplianceApp<M>): ApplianceApp<M> {
  return app;
}

/** An app's status line: the parts that say something, joined by " | ". */
export function statusLine(parts: readonly (string | false)[]): string {
  return parts.filter((part): part is string => part !== false && part !== "").join(" | ");
}

/** A property as a person reads it, in the model's English words: "Cool", "E3 evaporator sensor open or shorted", "10:00". */
export function shown<M extends ModelSpec>(model: Model<M>, state: Props<M>, name: PropName<M>): string {
  return formatValue(model.spec.properties[name] as PropertySpec, state[name], "en");
}

/** A reading with one decimal, or "?" when the plant has none by that name. */
export function oneDecimal(value: number | undefined): string {
  return value === undefined ? "?" : value.toFixed(1);
}
