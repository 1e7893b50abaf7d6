export { vacuum, Motion, type VacuumBoard } from "./wiring.js";
export { FloorPlant, FLAT, type FloorOptions } from "./plant.js";
