import { frozen } from "../../hal/frozen.js";
/**
 * The aircon-indoor board: which H1 pins drive which part of a split air
 * conditioner's indoor unit. Firmware uses these names, never raw numbers.
 */
export const airconIndoor = frozen({
  id: "aircon-indoor",
  chip: "H1",
  parts: {
    /** Relay for the outdoor compressor contactor: 1 = running. */
    compressorRelay: { pin: 12, kind: "digital-out" },
    /** Four-way reversing valve: 1 = heat pump mode. */
    reversingValve: { pin: 13, kind: "digital-out" },
    /** Indoor fan motor driver, speed by PWM duty. */
    indoorFan: { pin: 14, kind: "pwm", hz: 25_000 },
    /** Louver swing motor: 1 = swinging. */
    louver: { pin: 15, kind: "digital-out" },
    /** Piezo buzzer, driven at its resonance. */
    buzzer: { pin: 16, kind: "pwm", hz: 2_700 },
    /** Room air thermistor, on ADC channel 0. */
    roomSensor: { pin: 24, kind: "adc" },
    /** Evaporator coil thermistor, on ADC channel 1. */
    coilSensor: { pin: 25, kind: "adc" },
    /** Return-air humidity and temperature sensor (Sensirion SHT3x) on the I2C bus, at 0x44: dry mode runs on its humidity. */
    climateSensor: { kind: "i2c", data: 4, clock: 5, address: 0x44 },
  },
  /** The front panel on the H1's key block and segment driver: key n and indicator LED n by name, left to right. */
  panel: {
    keys: ["power", "mode", "up", "down", "fan", "swing"],
    indicators: ["cool", "heat", "fan", "dry", "auto", "swing", "compressor"],
  },
  /** Both thermistors: NTC 10 kΩ at 25 °C, B 3950, low side of a 10 kΩ divider from the ADC reference. */
  thermistor: { r25Ohms: 10_000, beta: 3950, seriesOhms: 10_000 },
} as const);

export type AirconIndoorBoard = typeof airconIndoor;
