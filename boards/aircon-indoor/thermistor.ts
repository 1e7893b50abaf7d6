import { ntcCelsius, ntcCounts } from "../components/ntc.js";
import { airconIndoor } from "./wiring.js";

/** ADC counts to °C for the board's thermistors. Undefined when the reading is at a rail: the sensor is open or shorted. */
export function countsToCelsius(counts: number): number | undefined {
  return ntcCelsius(airconIndoor.thermistor, counts);
}

/** °C to the ADC counts the divider gives (what the plant feeds the simulated ADC). */
export function celsiusToCounts(celsius: number): number {
  return ntcCounts(airconIndoor.thermistor, celsius);
}
