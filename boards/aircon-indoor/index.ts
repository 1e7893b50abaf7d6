export { airconIndoor, type AirconIndoorBoard } from "./wiring.js";
export { countsToCelsius, celsiusToCounts } from "./thermistor.js";
export { RoomPlant, type RoomOptions, type SensorFailure, type SensorName } from "./plant.js";
