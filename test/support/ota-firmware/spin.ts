/** A firmware image that spins forever in a timer two seconds after it starts. */
import { aircon } from "../../../examples/aircon/firmware.js";
import { defineEngine } from "../../../sdk/device/runtime/engine.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import { airconDefaults, airconModel, type AirconModel } from "../../../examples/aircon/model.js";

export function firmware(ctx: FirmwareContext<AirconModel>): void {
  aircon(ctx);
  ctx.kernel.after(2_000, () => {
    for (;;) {
      // A loop whose exit condition never comes true.
    }
  });
}
export { airconModel as model, airconDefaults as initial };
export const engine = defineEngine({ firmware, model: airconModel, initial: airconDefaults });
