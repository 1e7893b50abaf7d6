import "./configure.js";
import {
  FanControlServer,
  LaundryWasherControlsServer,
  LaundryWasherModeServer,
  OnOffServer,
  OperationalStateServer,
  RefrigeratorAndTemperatureControlledCabinetModeServer,
  RvcCleanModeServer,
  RvcOperationalStateServer,
  RvcRunModeServer,
  ServiceAreaServer,
  TemperatureControlServer,
  ThermostatServer,
} from "@matter/main/behaviors";
import { ModeBase } from "@matter/main/clusters/mode-base";
import { OperationalState } from "@matter/main/clusters/operational-state";
import { ServiceArea } from "@matter/main/clusters/service-area";
import { Status, StatusResponseError } from "@matter/main/types";
import type { MatterMapping, Modes, Operational } from "../mapping.js";
import { areasToMask, scaledFromMatter, tableFromMatter } from "../mapping.js";
import type { ModelSpec } from "../../thing/model.js";
import { fromController, invokeAction, linkOf, setFromCommand, writeFromController } from "./link.js";

/**
 * matter.js servers whose controller-facing writes and commands become the
 * cloud's set and invoke. A controller's write is held (its transaction
 * waits) until the device answers, so a refusal reaches the controller as a
 * status and the attribute keeps its value; the new value arrives with the
 * device's report like any other.
 */

type Mapping = MatterMapping<ModelSpec>;
const mappingOf = (endpoint: object): Mapping => linkOf(endpoint).binding.mapping;

function refuse(why: string): StatusResponseError {
  return new StatusResponseError(why, Status.ConstraintError);
}

/** A Matter number through a table back to the model's value, or a ConstraintError. */
function fromTable(binding: { readonly property: string; readonly table: readonly (readonly [unknown, number])[] }, value: number): unknown {
  const found = tableFromMatter(binding, value);
  if (found === undefined) throw refuse(`${value} has no ${binding.property} in this appliance's model`);
  return found.value;
}

export class HearthOnOffServer extends OnOffServer {
  override initialize() {
    const done = super.initialize();
    this.reactTo(this.events.onOff$Changing, this.#write);
    return done;
  }

  #write(value: boolean, _old: boolean, context?: unknown): void {
    const m = mappingOf(this.endpoint);
    if (!fromController(context) || m.deviceType !== "RoomAirConditioner") return;
    writeFromController(this.endpoint, m.onOff.property, value);
  }
}

export class HearthThermostatServer extends ThermostatServer.with("Cooling", "Heating", "AutoMode") {
  override initialize() {
    const done = super.initialize();
    this.reactTo(this.events.occupiedCoolingSetpoint$Changing, this.#setpoint);
    this.reactTo(this.events.occupiedHeatingSetpoint$Changing, this.#setpoint);
    this.reactTo(this.events.systemMode$Changing, this.#systemMode);
    return done;
  }

  #setpoint(value: number, _old: number, context?: unknown): void {
    const m = mappingOf(this.endpoint);
    if (!fromController(context) || m.deviceType !== "RoomAirConditioner") return;
    writeFromController(this.endpoint, m.thermostat.setpoint.property, scaledFromMatter(m.thermostat.setpoint, value));
  }

  #systemMode(value: number, _old: number, context?: unknown): void {
    const m = mappingOf(this.endpoint);
    if (!fromController(context) || m.deviceType !== "RoomAirConditioner") return;
    writeFromController(this.endpoint, m.thermostat.systemMode.property, fromTable(m.thermostat.systemMode, value));
  }
}

export class HearthFanControlServer extends FanControlServer.with("Auto", "MultiSpeed", "Rocking") {
  override initialize() {
    const done = super.initialize();
    this.reactTo(this.events.fanMode$Changing, this.#fanMode);
    this.reactTo(this.events.rockSetting$Changing, this.#rocking);
    return done;
  }

  #fanMode(value: number, _old: number, context?: unknown): void {
    const m = mappingOf(this.endpoint);
    if (!fromController(context) || m.deviceType !== "RoomAirConditioner" || m.fanMode === undefined) return;
    writeFromController(this.endpoint, m.fanMode.property, fromTable(m.fanMode, value));
  }

  #rocking(value: { rockUpDown?: boolean }, _old: unknown, context?: unknown): void {
    const m = mappingOf(this.endpoint);
    if (!fromController(context) || m.deviceType !== "RoomAirConditioner" || m.rocking === undefined) return;
    writeFromController(this.endpoint, m.rocking.property, value.rockUpDown === true);
  }
}

export class HearthTemperatureControlServer extends TemperatureControlServer.with("TemperatureNumber", "TemperatureStep") {
  override async setTemperature(request: { targetTemperature?: number; targetTemperatureLevel?: number }): Promise<void> {
    if (request.targetTemperature === undefined) throw refuse("targetTemperature is required (TemperatureNumber)");
    const link = linkOf(this.endpoint);
    const m = link.binding.mapping;
    const setpoint = m.deviceType === "LaundryWasher" ? m.temperature : m.deviceType === "Refrigerator" ? m.cabinets[cabinetIndex(this.endpoint)]?.setpoint : undefined;
    if (setpoint === undefined) throw refuse("this appliance has no temperature setpoint");
    await setFromCommand(this.endpoint, setpoint.property, scaledFromMatter(setpoint, request.targetTemperature));
  }
}

/** Which cabinet of a refrigerator an endpoint is: its number among the bridged node's parts, kept in its id's tail. */
function cabinetIndex(endpoint: object): number {
  const id = (endpoint as { id?: string }).id ?? "";
  return Number(id.slice(id.lastIndexOf("-") + 1));
}

export class HearthLaundryWasherControlsServer extends LaundryWasherControlsServer.with("Spin") {
  override initialize() {
    const done = super.initialize();
    this.reactTo(this.events.spinSpeedCurrent$Changing, this.#spin);
    return done;
  }

  #spin(value: number | null, _old: number | null, context?: unknown): void {
    const m = mappingOf(this.endpoint);
    if (!fromController(context) || m.deviceType !== "LaundryWasher" || m.spin === undefined) return;
    if (value === null) throw refuse("the washer always has a spin speed");
    writeFromController(this.endpoint, m.spin.property, fromTable(m.spin, value));
  }
}

/** ChangeToMode: the mode's entry (a set or an action) through the cloud; currentMode follows the device's report. */
async function changeToMode(endpoint: object, modes: Modes<ModelSpec> | undefined, newMode: number): Promise<ModeBase.ChangeToModeResponse> {
  const mode = modes?.modes.find((m) => m.mode === newMode);
  if (modes === undefined || mode === undefined) return { status: ModeBase.ModeChangeStatus.UnsupportedMode, statusText: `no mode ${newMode}` };
  try {
    if ("invoke" in mode.enter) await invokeAction(endpoint, mode.enter.invoke);
    else {
      const { set } = mode.enter as { set: { property: string; value: unknown } };
      await setFromCommand(endpoint, set.property, set.value);
    }
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { status: ModeBase.ModeChangeStatus.InvalidInMode, statusText: why.slice(0, 64) };
  }
  return { status: ModeBase.ModeChangeStatus.Success, statusText: "" };
}

export class HearthLaundryWasherModeServer extends LaundryWasherModeServer {
  override changeToMode({ newMode }: ModeBase.ChangeToModeRequest): Promise<ModeBase.ChangeToModeResponse> {
    const m = mappingOf(this.endpoint);
    return changeToMode(this.endpoint, m.deviceType === "LaundryWasher" ? m.modes : undefined, newMode);
  }
}

export class HearthRefrigeratorModeServer extends RefrigeratorAndTemperatureControlledCabinetModeServer {
  override changeToMode({ newMode }: ModeBase.ChangeToModeRequest): Promise<ModeBase.ChangeToModeResponse> {
    const m = mappingOf(this.endpoint);
    return changeToMode(this.endpoint, m.deviceType === "Refrigerator" ? m.modes : undefined, newMode);
  }
}

export class HearthRvcRunModeServer extends RvcRunModeServer {
  override changeToMode({ newMode }: ModeBase.ChangeToModeRequest): Promise<ModeBase.ChangeToModeResponse> {
    const m = mappingOf(this.endpoint);
    return changeToMode(this.endpoint, m.deviceType === "RoboticVacuumCleaner" ? m.runModes : undefined, newMode);
  }
}

export class HearthRvcCleanModeServer extends RvcCleanModeServer {
  override changeToMode({ newMode }: ModeBase.ChangeToModeRequest): Promise<ModeBase.ChangeToModeResponse> {
    const m = mappingOf(this.endpoint);
    return changeToMode(this.endpoint, m.deviceType === "RoboticVacuumCleaner" ? m.cleanModes : undefined, newMode);
  }
}

type Command = "pause" | "resume" | "start" | "stop" | "goHome";

function operationalOf(endpoint: object): Operational<ModelSpec> | undefined {
  const m = mappingOf(endpoint);
  return m.deviceType === "LaundryWasher" || m.deviceType === "RoboticVacuumCleaner" ? m.operational : undefined;
}

/**
 * An OperationalState command: the mapped action through the cloud. The
 * cluster answers with an error state rather than a status: a device that
 * refuses (busy, failed: not now) is CommandInvalidInState.
 */
async function operate(endpoint: object, command: Command): Promise<OperationalState.OperationalCommandResponse> {
  const action = operationalOf(endpoint)?.commands[command];
  if (action === undefined) throw new StatusResponseError(`${command} is not mapped for this appliance`, Status.UnsupportedCommand);
  try {
    await invokeAction(endpoint, action);
  } catch (error) {
    const cause = error instanceof StatusResponseError ? error : undefined;
    if (cause !== undefined && cause.code !== Status.Busy && cause.code !== Status.Failure) throw cause;
    return { commandResponseState: { errorStateId: OperationalState.ErrorState.CommandInvalidInState, errorStateDetails: (cause?.bareMessage ?? "refused").slice(0, 64) } };
  }
  return { commandResponseState: { errorStateId: OperationalState.ErrorState.NoError } };
}

export class HearthOperationalStateServer extends OperationalStateServer.enable({ events: { operationCompletion: true } }) {
  override pause(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "pause");
  }
  override resume(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "resume");
  }
  override start(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "start");
  }
  override stop(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "stop");
  }
}

export class HearthRvcOperationalStateServer extends RvcOperationalStateServer.enable({ events: { operationCompletion: true } }) {
  override pause(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "pause");
  }
  override resume(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "resume");
  }
  override goHome(): Promise<OperationalState.OperationalCommandResponse> {
    return operate(this.endpoint, "goHome");
  }
}


/** The Idle tag of RvcRunMode (Matter 1.4, 7.2.7.1): a vacuum in a mode without it is operating. */
const RVC_IDLE = 0x4000;

/**
 * ServiceArea's SelectAreas: checked against SupportedAreas first (an unknown area is refused with
 * UnsupportedArea, and nothing is sent), then the selection goes to the device as the cloud's set of
 * the bitmask; SelectedAreas follows the device's report. Without SelectWhileRunning, a vacuum that is
 * not Idle refuses with InvalidInMode; the device's own refusal (busy) is InvalidInMode too.
 */
async function selectAreas(
  server: { endpoint: object; assert(request: ServiceArea.SelectAreasRequest): { result: ServiceArea.SelectAreasResponse; validatedAreas?: number[] }; idle(): boolean },
  request: ServiceArea.SelectAreasRequest,
): Promise<ServiceArea.SelectAreasResponse> {
  const m = mappingOf(server.endpoint);
  if (m.deviceType !== "RoboticVacuumCleaner" || m.areas === undefined) throw new StatusResponseError("this appliance has no areas", Status.UnsupportedCommand);
  const { result, validatedAreas } = server.assert(request);
  if (result.status !== ServiceArea.SelectAreasStatus.Success || validatedAreas === undefined) return result;
  const mask = areasToMask(validatedAreas);
  if (mask === undefined) return { status: ServiceArea.SelectAreasStatus.UnsupportedArea, statusText: `areas are rooms 1..16: ${validatedAreas.join(", ")}` };
  if (!m.areas.selectWhileRunning && !server.idle()) return { status: ServiceArea.SelectAreasStatus.InvalidInMode, statusText: "it is operating: select areas while it is idle" };
  try {
    await setFromCommand(server.endpoint, m.areas.selected.property, mask);
  } catch (error) {
    if (!(error instanceof StatusResponseError) || error.code !== Status.Busy) throw error;
    return { status: ServiceArea.SelectAreasStatus.InvalidInMode, statusText: error.bareMessage.slice(0, 256) };
  }
  return { status: ServiceArea.SelectAreasStatus.Success, statusText: "" };
}

/** Whether the vacuum's current run mode carries the Idle tag. */
function rvcIdle(endpoint: object): boolean {
  const m = mappingOf(endpoint);
  if (m.deviceType !== "RoboticVacuumCleaner") return true;
  const current = (endpoint as { stateOf(type: typeof HearthRvcRunModeServer): { currentMode: number } }).stateOf(HearthRvcRunModeServer).currentMode;
  return m.runModes.modes.find((mode) => mode.mode === current)?.tags.includes(RVC_IDLE) ?? true;
}

// Maps: matter.js 0.17.9's ServiceAreaServer reads SupportedMaps as it starts whether or not the feature is
// on (and fails without it); the rooms are on one map (mapping.ts, AREA_MAP).
export class HearthServiceAreaServer extends ServiceAreaServer.with("Maps") {
  override selectAreas(request: ServiceArea.SelectAreasRequest): Promise<ServiceArea.SelectAreasResponse> {
    return selectAreas({ endpoint: this.endpoint, assert: (r) => this.assertSelectServiceArea(r), idle: () => rvcIdle(this.endpoint) }, request);
  }
}

export class HearthServiceAreaWhileRunningServer extends ServiceAreaServer.with("Maps", "SelectWhileRunning") {
  override selectAreas(request: ServiceArea.SelectAreasRequest): Promise<ServiceArea.SelectAreasResponse> {
    return selectAreas({ endpoint: this.endpoint, assert: (r) => this.assertSelectServiceArea(r), idle: () => true }, request);
  }
}
