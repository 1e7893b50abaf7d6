import { defineEngine } from "../../sdk/device/runtime/engine.js";
import { fridge } from "./firmware.js";
import { fridgeDefaults, fridgeModel } from "./model.js";

/** What goes into the fridge's firmware image (see examples/aircon/image.ts). */
export { fridge as firmware, fridgeModel as model, fridgeDefaults as initial };
export const engine = defineEngine({ firmware: fridge, model: fridgeModel, initial: fridgeDefaults });
