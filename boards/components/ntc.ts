import { ADC_FULL_SCALE } from "../../hal/h1.js";
/**
 * A beta-model NTC thermistor on the low side of a voltage divider from the
 * ADC's reference, read by the H1's 12-bit ADC. Firmware and plants share
 * this math: the plant turns °C into counts, the firmware turns counts back.
 */
export interface NtcDivider {
  /** Resistance at 25 °C, Ω. */
  readonly r25Ohms: number;
  /** B constant, K. */
  readonly beta: number;
  /** The divider's fixed resistor, Ω. */
  readonly seriesOhms: number;
}

const T25 = 298.15;
/** Readings this close to a rail mean an open or shorted sensor, not a temperature. */
const RAIL_COUNTS = 8;

/** ADC counts to °C. Undefined when the reading is at a rail: the sensor is open or shorted. */
export function ntcCelsius(divider: NtcDivider, counts: number): number | undefined {
  if (counts <= RAIL_COUNTS || counts >= ADC_FULL_SCALE - RAIL_COUNTS) return undefined;
  const ohms = (divider.seriesOhms * counts) / (ADC_FULL_SCALE - counts);
  return 1 / (1 / T25 + Math.log(ohms / divider.r25Ohms) / divider.beta) - 273.15;
}

/** °C to the ADC counts the divider gives (what a plant feeds the simulated ADC). */
export function ntcCounts(divider: NtcDivider, celsius: number): number {
  const ohms = divider.r25Ohms * Math.exp(divider.beta * (1 / (celsius + 273.15) - 1 / T25));
  return (ADC_FULL_SCALE * ohms) / (divider.seriesOhms + ohms);
}

/** What a failed sensor reads: an open thermistor reads full scale, a shorted one zero. */
export type SensorFailure = "open" | "short";

export function failedCounts(failure: SensorFailure): number {
  return failure === "open" ? ADC_FULL_SCALE : 0;
}
