import "./configure.js";
import { Endpoint } from "@matter/main";
import { BridgedDeviceBasicInformationServer, PowerSourceServer, RefrigeratorAlarmServer, TemperatureMeasurementServer } from "@matter/main/behaviors";
import { LaundryWasherDevice, RefrigeratorDevice, RoboticVacuumCleanerDevice, RoomAirConditionerDevice, TemperatureControlledCabinetDevice } from "@matter/main/devices";
import type { FieldSpec, ModelSpec } from "../../thing/model.js";
import type { Areas, Cabinet, MatterBinding, MatterMapping, Modes, Operational, Scaled } from "../mapping.js";
import { AREA_MAP, maskToAreas, roomsToAreas, scaledToMatter, tableToMatter } from "../mapping.js";
import {
  HearthFanControlServer,
  HearthLaundryWasherControlsServer,
  HearthLaundryWasherModeServer,
  HearthOnOffServer,
  HearthOperationalStateServer,
  HearthRefrigeratorModeServer,
  HearthRvcCleanModeServer,
  HearthRvcOperationalStateServer,
  HearthRvcRunModeServer,
  HearthServiceAreaServer,
  HearthServiceAreaWhileRunningServer,
  HearthTemperatureControlServer,
  HearthThermostatServer,
} from "./behaviors.js";

/**
 * One appliance as matter.js endpoints: the bridged endpoint of its device
 * type (with BridgedDeviceBasicInformation) and, for a refrigerator, its
 * cabinets; and the attribute values a reported state gives them.
 */

type State = Readonly<Record<string, unknown>>;
/** Per endpoint (the bridged one: "", a cabinet: its index), per cluster behavior id, its attributes. */
export type Patch = Map<string, Record<string, Record<string, unknown>>>;

export interface Identity {
  id: string;
  /** The bridge's endpoint id for it: unique, no dots. */
  endpointId: string;
  vendorName: string;
  productName: string;
  reachable: boolean;
}

const mode = (modes: Modes<ModelSpec>, value: unknown): number | undefined => modes.modes.find((m) => (m.when as readonly unknown[]).includes(value))?.mode;
const supportedModes = (modes: Modes<ModelSpec>) => modes.modes.map((m) => ({ label: m.label, mode: m.mode, modeTags: m.tags.map((value) => ({ value })) }));
const numberSpec = (binding: MatterBinding, s: Scaled<ModelSpec>): FieldSpec | undefined => binding.model.spec.properties[s.property];
const limit = (binding: MatterBinding, s: Scaled<ModelSpec>, which: "min" | "max" | "step"): number | undefined => {
  const spec = numberSpec(binding, s);
  const v = spec !== undefined && (spec.type === "number" || spec.type === "int") ? (which === "step" ? ("step" in spec ? spec.step : 1) : spec[which]) : undefined;
  return v === undefined ? undefined : Math.round(v * s.scale);
};
const clean = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function operationalState(op: Operational<ModelSpec>, r: State): Record<string, unknown> {
  const code = r[op.error.property];
  const errorStateId = typeof code !== "number" || code === 0 ? 0 : (op.error.errors.find(([c]) => c === code)?.[1] ?? 2);
  const state = errorStateId !== 0 ? 3 : tableToMatter(op.state, r[op.state.property]);
  // Out of every phase (idle, paused) the phase stays the last one: Matter allows null only with no phase list.
  const phase = op.phases === undefined ? undefined : tableToMatter(op.phases, r[op.phases.property]);
  return clean({
    operationalState: state,
    operationalError: code === undefined ? undefined : { errorStateId },
    currentPhase: phase,
    countdownTime: op.countdown === undefined ? undefined : (scaledToMatter(op.countdown, r[op.countdown.property]) ?? null),
  });
}

function operationalDefaults(op: Operational<ModelSpec>): Record<string, unknown> {
  const states = [...new Set([...op.state.table.map(([, m]) => m), 3])];
  return {
    operationalStateList: states.map((operationalStateId) => ({ operationalStateId })),
    operationalState: op.state.table[0]?.[1] ?? 0,
    operationalError: { errorStateId: 0 },
    phaseList: op.phases === undefined ? null : op.phases.table.map(([v]) => String(v)),
    currentPhase: op.phases === undefined ? null : 0,
    ...(op.countdown === undefined ? {} : { countdownTime: null }),
  };
}

function cabinetPatch(c: Cabinet<ModelSpec>, r: State): Record<string, Record<string, unknown>> {
  return {
    temperatureControl: clean({ temperatureSetpoint: scaledToMatter(c.setpoint, r[c.setpoint.property]) }),
    ...(c.measured === undefined ? {} : { temperatureMeasurement: clean({ measuredValue: scaledToMatter(c.measured, r[c.measured.property]) }) }),
  };
}

/**
 * ServiceArea from the reported rooms, selection and room: the selection and the current area only
 * ever name areas the list has (as matter.js checks). A device of a revision without rooms reports
 * none: nothing changes.
 */
function areasPatch(a: Areas<ModelSpec>, r: State): Record<string, unknown> {
  const text = r[a.rooms.property];
  if (typeof text !== "string") return {};
  const supportedAreas = roomsToAreas(text);
  const ids = new Set(supportedAreas.map((area) => area.areaId));
  const selected = r[a.selected.property];
  const current = a.current === undefined ? undefined : r[a.current.property];
  return clean({
    supportedMaps: supportedAreas.length === 0 ? [] : [{ ...AREA_MAP }],
    supportedAreas,
    selectedAreas: typeof selected === "number" ? maskToAreas(selected).filter((id) => ids.has(id)) : undefined,
    currentArea: a.current === undefined ? undefined : typeof current === "number" && ids.has(current) ? current : null,
  });
}

/** The attribute values a reported state gives each endpoint of the appliance (only what it reports). */
export function patchFor(binding: MatterBinding, r: State): Patch {
  const m = binding.mapping;
  const patch: Patch = new Map();
  const own: Record<string, Record<string, unknown>> = {};
  patch.set("", own);
  switch (m.deviceType) {
    case "RoomAirConditioner": {
      own["onOff"] = clean({ onOff: r[m.onOff.property] });
      const setpoint = scaledToMatter(m.thermostat.setpoint, r[m.thermostat.setpoint.property]);
      own["thermostat"] = clean({
        systemMode: tableToMatter(m.thermostat.systemMode, r[m.thermostat.systemMode.property]),
        occupiedCoolingSetpoint: setpoint,
        occupiedHeatingSetpoint: setpoint,
        localTemperature: scaledToMatter(m.thermostat.localTemperature, r[m.thermostat.localTemperature.property]),
      });
      if (m.temperatureMeasurement !== undefined) own["temperatureMeasurement"] = clean({ measuredValue: scaledToMatter(m.temperatureMeasurement, r[m.temperatureMeasurement.property]) });
      if (m.fanMode !== undefined) {
        const swing = m.rocking === undefined ? undefined : r[m.rocking.property];
        own["fanControl"] = clean({ fanMode: tableToMatter(m.fanMode, r[m.fanMode.property]), rockSetting: typeof swing === "boolean" ? { rockUpDown: swing } : undefined });
      }
      break;
    }
    case "LaundryWasher":
      own["operationalState"] = operationalState(m.operational, r);
      own["laundryWasherMode"] = clean({ currentMode: mode(m.modes, r[m.modes.property]) });
      if (m.spin !== undefined) own["laundryWasherControls"] = clean({ spinSpeedCurrent: tableToMatter(m.spin, r[m.spin.property]) });
      if (m.temperature !== undefined) own["temperatureControl"] = clean({ temperatureSetpoint: scaledToMatter(m.temperature, r[m.temperature.property]) });
      break;
    case "Refrigerator":
      if (m.modes !== undefined) own["refrigeratorAndTemperatureControlledCabinetMode"] = clean({ currentMode: mode(m.modes, r[m.modes.property]) });
      if (m.doorAlarm !== undefined && typeof r[m.doorAlarm.property] === "boolean") own["refrigeratorAlarm"] = { state: { doorOpen: r[m.doorAlarm.property] } };
      m.cabinets.forEach((c, i) => patch.set(String(i), cabinetPatch(c, r)));
      break;
    case "RoboticVacuumCleaner":
      own["rvcRunMode"] = clean({ currentMode: mode(m.runModes, r[m.runModes.property]) });
      if (m.cleanModes !== undefined) own["rvcCleanMode"] = clean({ currentMode: mode(m.cleanModes, r[m.cleanModes.property]) });
      own["rvcOperationalState"] = operationalState(m.operational, r);
      if (m.areas !== undefined) own["serviceArea"] = areasPatch(m.areas, r);
      if (m.battery !== undefined) {
        const charging = r[m.battery.charging.property];
        own["powerSource"] = clean({
          batPercentRemaining: scaledToMatter(m.battery.percent, r[m.battery.percent.property]),
          batChargeState: charging === undefined ? undefined : charging === true ? 1 : 2,
        });
      }
      break;
  }
  for (const [key, clusters] of patch) {
    for (const [cluster, values] of Object.entries(clusters)) if (Object.keys(values).length === 0) delete clusters[cluster];
    if (Object.keys(clusters).length === 0) patch.delete(key);
  }
  return patch;
}

function bridgedInfo(who: Identity) {
  return {
    vendorName: who.vendorName.slice(0, 32),
    productName: who.productName.slice(0, 32),
    nodeLabel: who.id.slice(0, 32),
    serialNumber: who.id.slice(0, 32),
    uniqueId: `hearth:${who.id}`.slice(0, 32),
    reachable: who.reachable,
  };
}

/** A first value for every mandatory attribute, before the device's first report. */
function initial(binding: MatterBinding, m: MatterMapping<ModelSpec>): Record<string, Record<string, unknown>> {
  switch (m.deviceType) {
    case "RoomAirConditioner": {
      const s = m.thermostat.setpoint;
      const [min, max] = [limit(binding, s, "min") ?? 1600, limit(binding, s, "max") ?? 3200];
      return {
        thermostat: {
          controlSequenceOfOperation: 4, // CoolingAndHeating
          minSetpointDeadBand: 0, // one target serves both setpoints
          systemMode: m.thermostat.systemMode.table[0]?.[1] ?? 3,
          localTemperature: null,
          absMinCoolSetpointLimit: min,
          absMaxCoolSetpointLimit: max,
          minCoolSetpointLimit: min,
          maxCoolSetpointLimit: max,
          absMinHeatSetpointLimit: min,
          absMaxHeatSetpointLimit: max,
          minHeatSetpointLimit: min,
          maxHeatSetpointLimit: max,
          occupiedCoolingSetpoint: Math.max(min, Math.min(max, 2600)),
          occupiedHeatingSetpoint: Math.max(min, Math.min(max, 2000)),
        },
        ...(m.temperatureMeasurement === undefined ? {} : { temperatureMeasurement: { measuredValue: null, minMeasuredValue: limit(binding, m.temperatureMeasurement, "min") ?? null, maxMeasuredValue: limit(binding, m.temperatureMeasurement, "max") ?? null } }),
        ...(m.fanMode === undefined ? {} : { fanControl: { fanModeSequence: 2, fanMode: 5, percentSetting: null, percentCurrent: 0, speedMax: 3, speedSetting: null, speedCurrent: 0, rockSupport: { rockUpDown: m.rocking !== undefined }, rockSetting: { rockUpDown: false } } }),
      };
    }
    case "LaundryWasher":
      return {
        operationalState: operationalDefaults(m.operational),
        laundryWasherMode: { supportedModes: supportedModes(m.modes), currentMode: m.modes.modes[0]?.mode ?? 0 },
        ...(m.spin === undefined ? {} : { laundryWasherControls: { spinSpeeds: [...m.spin.labels], spinSpeedCurrent: null } }),
        ...(m.temperature === undefined ? {} : { temperatureControl: temperatureControl(binding, m.temperature) }),
      };
    case "Refrigerator":
      return {
        ...(m.modes === undefined ? {} : { refrigeratorAndTemperatureControlledCabinetMode: { supportedModes: supportedModes(m.modes), currentMode: m.modes.modes[0]?.mode ?? 0 } }),
        ...(m.doorAlarm === undefined ? {} : { refrigeratorAlarm: { mask: { doorOpen: true }, supported: { doorOpen: true }, state: { doorOpen: false } } }),
      };
    case "RoboticVacuumCleaner":
      return {
        rvcRunMode: { supportedModes: supportedModes(m.runModes), currentMode: m.runModes.modes[0]?.mode ?? 0 },
        ...(m.cleanModes === undefined ? {} : { rvcCleanMode: { supportedModes: supportedModes(m.cleanModes), currentMode: m.cleanModes.modes[0]?.mode ?? 0 } }),
        rvcOperationalState: operationalDefaults(m.operational),
        ...(m.areas === undefined ? {} : { serviceArea: { supportedAreas: [], selectedAreas: [], supportedMaps: [], ...(m.areas.current === undefined ? {} : { currentArea: null }) } }),
        ...(m.battery === undefined
          ? {}
          : {
              powerSource: {
                status: 1, // Active
                order: 0,
                description: "Battery",
                endpointList: [],
                batChargeLevel: 0, // Ok
                batReplacementNeeded: false,
                batReplaceability: 1, // NotReplaceable
                batPercentRemaining: null,
                batChargeState: 0, // Unknown
                batFunctionalWhileCharging: false,
                batPresent: true,
              },
            }),
      };
  }
}

function temperatureControl(binding: MatterBinding, s: Scaled<ModelSpec>): Record<string, unknown> {
  const min = limit(binding, s, "min") ?? 0;
  return { temperatureSetpoint: min, minTemperature: min, maxTemperature: limit(binding, s, "max") ?? min, step: limit(binding, s, "step") ?? 1 };
}

/** The appliance's bridged endpoint and the cabinets under it (which the bridge links to the appliance too). */
export function endpointsFor(binding: MatterBinding, who: Identity): { endpoint: Endpoint; parts: Endpoint[] } {
  const m = binding.mapping;
  const options = { id: who.endpointId, bridgedDeviceBasicInformation: bridgedInfo(who), ...initial(binding, m) };
  switch (m.deviceType) {
    case "RoomAirConditioner": {
      let type = RoomAirConditionerDevice.with(BridgedDeviceBasicInformationServer, HearthOnOffServer, HearthThermostatServer);
      if (m.temperatureMeasurement !== undefined) type = type.with(TemperatureMeasurementServer);
      if (m.fanMode !== undefined) type = type.with(HearthFanControlServer);
      return { endpoint: new Endpoint(type, options), parts: [] };
    }
    case "LaundryWasher": {
      const type = LaundryWasherDevice.with(BridgedDeviceBasicInformationServer, HearthOperationalStateServer, HearthLaundryWasherModeServer, HearthLaundryWasherControlsServer, HearthTemperatureControlServer);
      return { endpoint: new Endpoint(type, options), parts: [] };
    }
    case "Refrigerator": {
      const parts = m.cabinets.map((c, i) => {
        const cabinet = TemperatureControlledCabinetDevice.with(HearthTemperatureControlServer, TemperatureMeasurementServer);
        const measured = c.measured === undefined ? {} : { temperatureMeasurement: { measuredValue: null, minMeasuredValue: null, maxMeasuredValue: null } };
        return new Endpoint(cabinet, { id: `${who.endpointId}-${i}`, temperatureControl: temperatureControl(binding, c.setpoint), ...measured });
      });
      const type = RefrigeratorDevice.with(BridgedDeviceBasicInformationServer, HearthRefrigeratorModeServer, RefrigeratorAlarmServer);
      return { endpoint: new Endpoint(type, { ...options, parts }), parts };
    }
    case "RoboticVacuumCleaner": {
      let type = RoboticVacuumCleanerDevice.with(BridgedDeviceBasicInformationServer, HearthRvcRunModeServer, HearthRvcOperationalStateServer);
      if (m.cleanModes !== undefined) type = type.with(HearthRvcCleanModeServer);
      if (m.battery !== undefined) type = type.with(PowerSourceServer.with("Battery", "Rechargeable"));
      if (m.areas !== undefined) type = type.with(m.areas.selectWhileRunning ? HearthServiceAreaWhileRunningServer : HearthServiceAreaServer);
      return { endpoint: new Endpoint(type, options), parts: [] };
    }
  }
}
