/** A firmware image that crashes as it starts: it must never be kept. */
import type { FirmwareContext } from "../../../sdk/index.js";
import type { AirconModel } from "../../../examples/aircon/model.js";
export { airconModel as model, airconDefaults as initial } from "../../../examples/aircon/model.js";

export function firmware(_ctx: FirmwareContext<AirconModel>): void {
  throw new Error("null pointer in the new control loop");
}
import { defineEngine } from "../../../sdk/runtime/engine.js";
import { airconDefaults as defaults, airconModel as thingModel } from "../../../examples/aircon/model.js";
export const engine = defineEngine({ firmware, model: thingModel, initial: defaults });
