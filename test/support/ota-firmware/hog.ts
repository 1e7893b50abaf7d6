/** A firmware image that runs out of memory at its first boot (remembered in flash), then behaves. */
import { aircon } from "../../../examples/aircon/firmware.js";
import { defineEngine } from "../../../sdk/device/runtime/engine.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import { airconDefaults, airconModel, type AirconModel } from "../../../examples/aircon/model.js";

export function firmware(ctx: FirmwareContext<AirconModel>): void {
  aircon(ctx);
  if (ctx.storage.kv.has("hog/done")) return;
  ctx.storage.kv.setNumber("hog/done", 1);
  const hoard: string[] = [];
  ctx.kernel.every(100, () => {
    for (let i = 0; i < 200; i++) hoard.push(`${i}-${hoard.length}-`.repeat(20));
  });
}
export { airconModel as model, airconDefaults as initial };
export const engine = defineEngine({ firmware, model: airconModel, initial: airconDefaults });
