/** A firmware image that runs but never passes its self-test: its trial times out and it is reverted. */
import { aircon } from "../../../examples/aircon/firmware.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import type { AirconModel } from "../../../examples/aircon/model.js";
export { airconModel as model, airconDefaults as initial } from "../../../examples/aircon/model.js";

export function firmware(ctx: FirmwareContext<AirconModel>): void {
  aircon(ctx);
  ctx.update.selfTest(() => false);
}
import { defineEngine } from "../../../sdk/runtime/engine.js";
import { airconDefaults as defaults, airconModel as thingModel } from "../../../examples/aircon/model.js";
export const engine = defineEngine({ firmware, model: thingModel, initial: defaults });
