import type { ActionName, EventName, Model, ModelSpec, PropName, Props, WritableName } from "../thing/model.js";
import { MAX_ROOMS, parseRooms } from "../thing/presentation.js";

/**
 * How a thing model becomes a Matter device type: data beside the model
 * (examples/<app>/matter.ts), read by the bridge (sdk/matter/node). Every name
 * in a mapping is typed by the model, so a member the model does not have does
 * not compile; every member the mapping does not carry is listed in `unmapped`
 * with the reason, so nothing is guessed. Matter's numbers are the spec's
 * (Matter 1.4 Application Cluster Specification): the cluster's attribute
 * units, enumeration values and mode tags.
 */

/** A property carried as a number: Matter's value is the model's times `scale` (0.01 °C: 100; minutes to seconds: 60). */
export interface Scaled<M extends ModelSpec> {
  readonly property: PropName<M>;
  readonly scale: number;
}

/** A writable property carried as a number (a setpoint). */
export interface ScaledWritable<M extends ModelSpec> {
  readonly property: WritableName<M>;
  readonly scale: number;
}

/** A property carried through a table of its values and Matter's: both ways when the property is writable. */
export type Table<M extends ModelSpec> = {
  readonly [P in PropName<M>]: { readonly property: P; readonly table: readonly (readonly [Props<M>[P], number])[] };
}[PropName<M>];

/** A boolean property. */
export interface Flag<M extends ModelSpec> {
  readonly property: { readonly [P in PropName<M>]: Props<M>[P] extends boolean ? P : never }[PropName<M>];
}

/** What choosing a mode does: set a property to a value, or run an action. */
export type ModeEntry<M extends ModelSpec> =
  | { readonly set: { readonly [P in WritableName<M>]: { readonly property: P; readonly value: Props<M>[P] } }[WritableName<M>] }
  | { readonly invoke: ActionName<M> };

/**
 * A mode cluster (RvcRunMode, RvcCleanMode, LaundryWasherMode,
 * RefrigeratorAndTemperatureControlledCabinetMode): each mode with its label
 * and tags, which property values show it as current, and what choosing it does.
 */
export type Modes<M extends ModelSpec> = {
  readonly [P in PropName<M>]: {
    readonly property: P;
    readonly modes: readonly {
      readonly mode: number;
      readonly label: string;
      readonly tags: readonly number[];
      readonly when: readonly Props<M>[P][];
      readonly enter: ModeEntry<M>;
    }[];
  };
}[PropName<M>];

/**
 * OperationalState and RvcOperationalState: the state enumeration from a
 * property (OperationalStateEnum values: Stopped 0, Running 1, Paused 2,
 * Error 3; RVC adds SeekingCharger 0x40, Charging 0x41, Docked 0x42), the
 * error from an error-code property (0 = none), and the commands as actions.
 */
export interface Operational<M extends ModelSpec> {
  readonly state: Table<M>;
  /** The model's error code property; a code not in `errors` is UnableToCompleteOperation (2). */
  readonly error: { readonly property: PropName<M>; readonly errors: readonly (readonly [number, number])[] };
  readonly commands: { readonly pause?: ActionName<M>; readonly resume?: ActionName<M>; readonly start?: ActionName<M>; readonly stop?: ActionName<M>; readonly goHome?: ActionName<M> };
  readonly countdown?: Scaled<M>;
  /** Phases (washer): the property values, each a phase, in order; currentPhase is null in any other value. */
  readonly phases?: Table<M>;
  /** The model event that is Matter's OperationCompletion. */
  readonly completion?: EventName<M>;
}

/** A temperature-controlled part (TemperatureControl with TemperatureNumber and TemperatureStep, TemperatureMeasurement). */
export interface Cabinet<M extends ModelSpec> {
  readonly label: string;
  /** The setpoint; its range and step come from the model, scaled. */
  readonly setpoint: ScaledWritable<M>;
  readonly measured?: Scaled<M>;
}

/**
 * ServiceArea: the rooms of a `rooms`-format string property (parseRooms) as the areas (AreaID the
 * room's number, from 1; LocationName its name; all on one map, AREA_MAP), the selection an integer property holding
 * a bitmask (bit n-1 for area n; 0: none selected, the whole floor), and the room the robot is in
 * (0 for none: CurrentArea null).
 */
export interface Areas<M extends ModelSpec> {
  readonly rooms: { readonly property: { readonly [P in PropName<M>]: Props<M>[P] extends string ? P : never }[PropName<M>] };
  readonly selected: { readonly property: { readonly [P in WritableName<M>]: Props<M>[P] extends number ? P : never }[WritableName<M>] };
  readonly current?: { readonly property: { readonly [P in PropName<M>]: Props<M>[P] extends number ? P : never }[PropName<M>] };
  /**
   * ServiceArea's SelectWhileRunning: the device takes a new selection while it operates. Without
   * it, SelectAreas while the run mode is not Idle is refused with InvalidInMode (Matter 1.4, 1.17.7.1).
   */
  readonly selectWhileRunning: boolean;
}

/** What the mapping does not carry, each with the reason: every member of the model is mapped or here. */
export interface Unmapped<M extends ModelSpec> {
  readonly properties?: { readonly [P in PropName<M>]?: string };
  readonly actions?: { readonly [A in ActionName<M>]?: string };
  readonly events?: { readonly [E in EventName<M>]?: string };
}

/** RoomAirConditioner (0x72): OnOff and Thermostat (Cooling, Heating, AutoMode); FanControl and TemperatureMeasurement. */
export interface RoomAirConditionerMapping<M extends ModelSpec> {
  readonly deviceType: "RoomAirConditioner";
  readonly onOff: Flag<M> & { readonly property: WritableName<M> };
  /** systemMode (Off 0, Auto 1, Cool 3, Heat 4, FanOnly 7, Dry 8), both setpoints from one target, localTemperature. */
  readonly thermostat: { readonly systemMode: Table<M>; readonly setpoint: ScaledWritable<M>; readonly localTemperature: Scaled<M> };
  readonly temperatureMeasurement?: Scaled<M>;
  /** fanMode (Low 1, Medium 2, High 3, Auto 5). */
  readonly fanMode?: Table<M>;
  /** FanControl's Rocking feature: the louvre's swing as RockSetting.RockUpDown. */
  readonly rocking?: Flag<M> & { readonly property: WritableName<M> };
  readonly unmapped: Unmapped<M>;
}

/** LaundryWasher (0x73): OperationalState; LaundryWasherMode, LaundryWasherControls (Spin), TemperatureControl. */
export interface LaundryWasherMapping<M extends ModelSpec> {
  readonly deviceType: "LaundryWasher";
  readonly operational: Operational<M>;
  readonly modes: Modes<M>;
  /** Spin speeds: the labels' order is spinSpeedCurrent; from a property through a table of index. */
  readonly spin?: Table<M> & { readonly labels: readonly string[] };
  readonly temperature?: ScaledWritable<M>;
  readonly unmapped: Unmapped<M>;
}

/** Refrigerator (0x70) with TemperatureControlledCabinet (0x71) parts; RefrigeratorAndTemperatureControlledCabinetMode; RefrigeratorAlarm. */
export interface RefrigeratorMapping<M extends ModelSpec> {
  readonly deviceType: "Refrigerator";
  readonly cabinets: readonly Cabinet<M>[];
  readonly modes?: Modes<M>;
  /** RefrigeratorAlarm's DoorOpen bit. */
  readonly doorAlarm?: Flag<M>;
  readonly unmapped: Unmapped<M>;
}

/** RoboticVacuumCleaner (0x74): RvcRunMode, RvcOperationalState, RvcCleanMode; PowerSource for the battery. */
export interface RoboticVacuumCleanerMapping<M extends ModelSpec> {
  readonly deviceType: "RoboticVacuumCleaner";
  readonly runModes: Modes<M>;
  readonly cleanModes?: Modes<M>;
  readonly operational: Operational<M>;
  /** PowerSource (Battery, Rechargeable): batPercentRemaining is in half percents. */
  readonly battery?: { readonly percent: Scaled<M>; readonly charging: Flag<M> };
  /** ServiceArea: the rooms it can clean, those selected, the one it is in. */
  readonly areas?: Areas<M>;
  readonly unmapped: Unmapped<M>;
}

export type MatterMapping<M extends ModelSpec> =
  | RoomAirConditionerMapping<M>
  | LaundryWasherMapping<M>
  | RefrigeratorMapping<M>
  | RoboticVacuumCleanerMapping<M>;

export type DeviceTypeName = MatterMapping<ModelSpec>["deviceType"];

/** A model with its mapping: what the bridge is given for one kind of appliance. */
export interface MatterBinding<M extends ModelSpec = ModelSpec> {
  readonly model: Model<M>;
  readonly mapping: MatterMapping<M>;
}

/** Binds a mapping to its model; the mapping's names are checked against the model's at compile time. */
export function defineMatterMapping<M extends ModelSpec>(model: Model<M>, mapping: MatterMapping<M>): MatterBinding<M> {
  return Object.freeze({ model, mapping });
}

/** The model's members the mapping names, by kind (the properties, actions and events it carries). */
export function mappedMembers(mapping: MatterMapping<ModelSpec>): { properties: Set<string>; actions: Set<string>; events: Set<string> } {
  const found = { properties: new Set<string>(), actions: new Set<string>(), events: new Set<string>() };
  const walk = (value: unknown, key: string): void => {
    if (key === "unmapped") return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, "");
      return;
    }
    if (typeof value !== "object" || value === null) {
      if (typeof value !== "string") return;
      if (key === "property") found.properties.add(value);
      else if (key === "invoke" || ["pause", "resume", "start", "stop", "goHome"].includes(key)) found.actions.add(value);
      else if (key === "completion") found.events.add(value);
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(mapping, "");
  return found;
}

/** The members neither mapped nor listed as unmapped: empty for a complete mapping. */
export function unaccounted(binding: MatterBinding): string[] {
  const { spec } = binding.model;
  const mapped = mappedMembers(binding.mapping);
  const unmapped = binding.mapping.unmapped;
  const missing: string[] = [];
  for (const name of Object.keys(spec.properties)) if (!mapped.properties.has(name) && unmapped.properties?.[name] === undefined) missing.push(`property ${name}`);
  for (const name of Object.keys(spec.actions)) if (!mapped.actions.has(name) && unmapped.actions?.[name] === undefined) missing.push(`action ${name}`);
  for (const name of Object.keys(spec.events)) if (!mapped.events.has(name) && unmapped.events?.[name] === undefined) missing.push(`event ${name}`);
  return missing;
}

/** The Matter number for a model value: scaled and rounded (Matter's units are integers). */
export function scaledToMatter(binding: { readonly scale: number }, value: unknown): number | undefined {
  return typeof value === "number" ? Math.round(value * binding.scale) : undefined;
}

/** The model value for a Matter number; the model's own check then decides whether it is on its step and range. */
export function scaledFromMatter(binding: { readonly scale: number }, value: number): number {
  // Rounded to 9 places so 2430 / 100 is 24.3, not 24.299999999999997, before the model's step check.
  return Math.round((value / binding.scale) * 1e9) / 1e9;
}

/** The Matter number a table gives a model value, or undefined when the table lacks it. */
export function tableToMatter(binding: { readonly table: readonly (readonly [unknown, number])[] }, value: unknown): number | undefined {
  return binding.table.find(([v]) => v === value)?.[1];
}

/** The model value a table gives a Matter number (the first row that has it), or undefined when it has none. */
export function tableFromMatter(binding: { readonly table: readonly (readonly [unknown, number])[] }, value: number): { value: unknown } | undefined {
  const row = binding.table.find(([, m]) => m === value);
  return row === undefined ? undefined : { value: row[0] };
}

/** The one map the rooms are on (ServiceArea's Maps feature: a home on one level is one map). */
export const AREA_MAP = { mapId: 1, name: "Home" } as const;

/** ServiceArea's AreaStruct for each room of a `rooms` text, on AREA_MAP (a name that repeats an earlier one is left out: Matter wants each area's info unique on a map). */
export function roomsToAreas(text: unknown): { areaId: number; mapId: number; areaInfo: { locationInfo: { locationName: string; floorNumber: null; areaType: null }; landmarkInfo: null } }[] {
  if (typeof text !== "string") return [];
  const seen = new Set<string>();
  return parseRooms(text).flatMap((room, i) => {
    if (seen.has(room.name)) return [];
    seen.add(room.name);
    return [{ areaId: i + 1, mapId: AREA_MAP.mapId, areaInfo: { locationInfo: { locationName: room.name.slice(0, 128), floorNumber: null, areaType: null }, landmarkInfo: null } }];
  });
}

/** The AreaIDs a selection bitmask names, in order (bit n-1: area n). */
export function maskToAreas(mask: number): number[] {
  const ids: number[] = [];
  for (let n = 1; n <= MAX_ROOMS; n++) if ((mask & (1 << (n - 1))) !== 0) ids.push(n);
  return ids;
}

/** The selection bitmask of AreaIDs (each 1..MAX_ROOMS); undefined when one is not a room number. */
export function areasToMask(ids: readonly number[]): number | undefined {
  let mask = 0;
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 1 || id > MAX_ROOMS) return undefined;
    mask |= 1 << (id - 1);
  }
  return mask;
}
