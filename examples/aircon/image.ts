/** What goes into the air conditioner's firmware image: the firmware, its model, its defaults. Nothing of the simulator. */
export { aircon as firmware } from "./firmware.js";
export { airconModel as model, airconDefaults as initial } from "./model.js";
