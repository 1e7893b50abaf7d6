export { washer, type WasherBoard } from "./wiring.js";
export { DrumPlant, type DrumOptions } from "./plant.js";
