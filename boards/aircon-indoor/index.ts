export { airconIndoor, type AirconIndoorBoard } from "./wiring.js";
export { countsToCelsius, celsiusToCounts } from "./thermistor.js";
