import { defineEngine } from "../../sdk/device/runtime/engine.js";
import { washer } from "./firmware.js";
import { washerDefaults, washerModel } from "./model.js";

/** What goes into the washer's firmware image (see examples/aircon/image.ts). */
export { washer as firmware, washerModel as model, washerDefaults as initial };
export const engine = defineEngine({ firmware: washer, model: washerModel, initial: washerDefaults });
