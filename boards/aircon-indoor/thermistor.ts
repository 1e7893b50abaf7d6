import { airconIndoor } from "./wiring.js";

/** Beta-model NTC thermistor in a voltage divider, read by a 12-bit ADC. */
const { r25Ohms, beta, seriesOhms } = airconIndoor.thermistor;
const T25 = 298.15;
const FULL_SCALE = 4095;

/** ADC counts to °C. Undefined when the reading is at a rail: the sensor is open or shorted. */
export function countsToCelsius(counts: number): number | undefined {
  if (counts <= 8 || counts >= FULL_SCALE - 8) return undefined;
  const ohms = (seriesOhms * counts) / (FULL_SCALE - counts);
  return 1 / (1 / T25 + Math.log(ohms / r25Ohms) / beta) - 273.15;
}

/** °C to the ADC counts the divider gives (what the plant feeds the simulated ADC). */
export function celsiusToCounts(celsius: number): number {
  const ohms = r25Ohms * Math.exp(beta * (1 / (celsius + 273.15) - 1 / T25));
  return (FULL_SCALE * ohms) / (seriesOhms + ohms);
}
