import type { LinkState, LinkStats } from "../link/device-link.js";
import type { ModelSpec } from "../../thing/model.js";
import type { DeviceRuntime } from "./device-runtime.js";

/**
 * What a running device says about itself, whichever engine runs it: the
 * desktop host reads it from the runtime directly, an embedded engine's host
 * through `engine.inspect()` (as JSON, so absent fields are left out).
 */
export interface Inspection {
  firmware?: string;
  state?: Record<string, unknown>;
  link?: LinkState;
  stats?: LinkStats;
  update?: { id: number; phase: string; bytes: number; size: number };
  faults?: number;
}

/** The inspection of a device runtime; undefined fields are left out, as JSON would. */
export function inspectRuntime<M extends ModelSpec>(runtime: DeviceRuntime<M> | undefined): Inspection {
  if (runtime === undefined) return { link: "down" };
  const seen: Inspection = { state: runtime.device.snapshot(), link: runtime.link?.state ?? "down", faults: runtime.kernel.faultCount };
  if (runtime.firmware !== undefined) seen.firmware = runtime.firmware;
  if (runtime.link !== undefined) seen.stats = runtime.link.stats;
  const update = runtime.updates?.progress;
  if (update !== undefined) seen.update = update;
  return seen;
}
