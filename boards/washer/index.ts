export { washer, type WasherBoard } from "./wiring.js";
