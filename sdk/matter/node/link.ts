import "./configure.js";
import { problemWith } from "../../thing/validate.js";
import { HearthError } from "../../thing/errors.js";
import type { MatterBinding } from "../mapping.js";
import { matterRefusal } from "./status.js";

/**
 * What a bridged endpoint's behaviors reach: the appliance's model and
 * mapping, and the cloud's set and invoke for it. Behaviors find it by their
 * endpoint (a matter.js behavior is made by matter.js, not by us).
 */
export interface ApplianceLink {
  readonly binding: MatterBinding;
  /** The cloud's set: the model checks it, the device answers. */
  set(values: Record<string, unknown>): Promise<void>;
  /** The cloud's invoke of an action with no params. */
  invoke(action: string): Promise<void>;
  /** Puts the reported state back on the endpoints (after a write the device refused). */
  resync(): void;
}

let links: WeakMap<object, ApplianceLink> | undefined;

export function linkEndpoint(endpoint: object, link: ApplianceLink): void {
  (links ??= new WeakMap()).set(endpoint, link);
}

export function linkOf(endpoint: object): ApplianceLink {
  const link = links?.get(endpoint);
  if (link === undefined) throw new HearthError("failed", "a Matter endpoint with no appliance behind it");
  return link;
}

/** Whether a change comes from a Matter controller (a fabric's session), not from the bridge applying a report. */
export function fromController(context: unknown): boolean {
  return typeof context === "object" && context !== null && (context as { fabric?: unknown }).fabric !== undefined;
}

/** The model's check of a controller's value for a property: a Matter status error (ConstraintError, InvalidDataType, UnsupportedWrite) when it refuses. */
function check(link: ApplianceLink, property: string, value: unknown): void {
  const spec = link.binding.model.spec.properties[property];
  if (spec === undefined) throw matterRefusal(new HearthError("unknown-property", `no property ${property}`, property));
  if (spec.access !== "rw") throw matterRefusal(new HearthError("read-only", `property ${property} is read-only`, property));
  const problem = problemWith(spec, value);
  if (problem !== undefined) throw matterRefusal(new HearthError(problem.code, `${property} ${problem.why}`, property));
}

/**
 * A controller's write of an attribute, inside matter.js's transaction (whose
 * change events are synchronous): the model checks the value here, so a value
 * it refuses is refused with its Matter status and nothing changes; a value it
 * takes goes to the device as the cloud's set. Should the device itself refuse
 * it (busy, failed), the attribute goes back to what the device reports.
 */
export function writeFromController(endpoint: object, property: string, value: unknown): void {
  const link = linkOf(endpoint);
  check(link, property, value);
  link.set({ [property]: value }).catch(() => link.resync());
}

/** A command's set (TemperatureControl's SetTemperature, a mode's): checked, then awaited, so the device's refusal is the command's status. */
export async function setFromCommand(endpoint: object, property: string, value: unknown): Promise<void> {
  const link = linkOf(endpoint);
  check(link, property, value);
  try {
    await link.set({ [property]: value });
  } catch (error) {
    throw matterRefusal(error);
  }
}

export async function invokeAction(endpoint: object, action: string): Promise<void> {
  try {
    await linkOf(endpoint).invoke(action);
  } catch (error) {
    throw matterRefusal(error);
  }
}
