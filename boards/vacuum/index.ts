export { vacuum, Motion, type VacuumBoard } from "./wiring.js";
