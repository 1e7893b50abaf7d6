/** A firmware image whose control task hangs after it starts: the watchdog resets it, and it must not be kept. */
import { aircon } from "../../../examples/aircon/firmware.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import type { AirconModel } from "../../../examples/aircon/model.js";
export { airconModel as model, airconDefaults as initial } from "../../../examples/aircon/model.js";

export function firmware(ctx: FirmwareContext<AirconModel>): void {
  aircon(ctx);
  // Registers a task and never checks in: an await that never resolves, as a lost callback leaves it.
  ctx.watchdog.register("modem", 2000);
}
