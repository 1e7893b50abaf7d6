/** A firmware image that runs but never passes its self-test: its trial times out and it is reverted. */
import { aircon } from "../../../examples/aircon/firmware.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import type { AirconModel } from "../../../examples/aircon/model.js";
import { airconDefaults, airconModel } from "../../../examples/aircon/model.js";
import { defineEngine } from "../../../sdk/device/runtime/engine.js";
export { airconModel as model, airconDefaults as initial };

export function firmware(ctx: FirmwareContext<AirconModel>): void {
  aircon(ctx);
  ctx.update.selfTest(() => false);
}
export const engine = defineEngine({ firmware, model: airconModel, initial: airconDefaults });
