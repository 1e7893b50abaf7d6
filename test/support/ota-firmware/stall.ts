/** A firmware image that hangs soon after it starts, before it can confirm: the watchdog resets it, and it must not be kept. */
import { aircon } from "../../../examples/aircon/firmware.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import type { AirconModel } from "../../../examples/aircon/model.js";
import { airconDefaults, airconModel } from "../../../examples/aircon/model.js";
import { defineEngine } from "../../../sdk/device/runtime/engine.js";
export { airconModel as model, airconDefaults as initial };

export function firmware(ctx: FirmwareContext<AirconModel>): void {
  aircon(ctx);
  // The event loop stops for good (as a deadlock would leave it): nothing runs, nothing feeds the watchdog.
  ctx.kernel.after(500, () => ctx.kernel.halt());
}
export const engine = defineEngine({ firmware, model: airconModel, initial: airconDefaults });
