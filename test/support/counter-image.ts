import { defineEngine } from "../../sdk/device/runtime/engine.js";
import { counterApp, counterModel } from "./counter-app.js";

/** The counter appliance as a firmware image (the conformance suite runs it in QuickJS too). */
export const firmware = counterApp.firmware;
export const model = counterModel;
export const initial = counterApp.initial;
export const engine = defineEngine({ firmware: counterApp.firmware, model: counterModel, initial: counterApp.initial });
