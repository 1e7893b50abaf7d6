/** A firmware image that crashes as it starts: it must never be kept. */
import type { FirmwareContext } from "../../../sdk/index.js";
import type { AirconModel } from "../../../examples/aircon/model.js";
import { airconDefaults, airconModel } from "../../../examples/aircon/model.js";
import { defineEngine } from "../../../sdk/device/runtime/engine.js";
export { airconModel as model, airconDefaults as initial };

export function firmware(_ctx: FirmwareContext<AirconModel>): void {
  throw new Error("null pointer in the new control loop");
}
export const engine = defineEngine({ firmware, model: airconModel, initial: airconDefaults });
