import { defineEngine } from "../../sdk/device/runtime/engine.js";
import { vacuum } from "./firmware.js";
import { vacuumDefaults, vacuumModel } from "./model.js";

/** What goes into the robot vacuum's firmware image (see examples/aircon/image.ts). */
export { vacuum as firmware, vacuumModel as model, vacuumDefaults as initial };
export const engine = defineEngine({ firmware: vacuum, model: vacuumModel, initial: vacuumDefaults });
