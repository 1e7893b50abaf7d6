export { fridge, type FridgeBoard } from "./wiring.js";
export { CabinetPlant, type CabinetOptions } from "./plant.js";
