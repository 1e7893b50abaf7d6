export { airconIndoor, type AirconIndoorBoard } from "./wiring.js";
export { countsToCelsius, celsiusToCounts } from "./thermistor.js";
export { RoomPlant, type RoomOptions, type SensorFailure, type SensorName, type NoiseSource } from "./plant.js";
