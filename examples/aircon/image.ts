import { defineEngine } from "../../sdk/device/runtime/engine.js";
import { aircon } from "./firmware.js";
import { airconDefaults, airconModel } from "./model.js";

/**
 * What goes into the air conditioner's firmware image. Nothing of the
 * simulator: the firmware, its model and defaults (a host that runs firmware
 * on its own engine takes these), and `engine`, the whole device started
 * over a chip's native binding (hal/NATIVE.md; the embedded host and real chips).
 */
export { aircon as firmware, airconModel as model, airconDefaults as initial };
export const engine = defineEngine({ firmware: aircon, model: airconModel, initial: airconDefaults });
