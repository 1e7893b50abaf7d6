export { fridge, type FridgeBoard } from "./wiring.js";
