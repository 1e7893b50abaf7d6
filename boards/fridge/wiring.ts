import { frozen } from "../../hal/frozen.js";
/**
 * The fridge board: a no-frost fridge-freezer's control board around the H1.
 * One compressor cools one evaporator behind the freezer; a fan blows its
 * cold through the freezer, and through a motorised damper into the fridge.
 */
export const fridge = frozen({
  id: "fridge",
  chip: "H1",
  parts: {
    /** Compressor relay: 1 = running. */
    compressor: { pin: 12, kind: "digital-out" },
    /** Evaporator fan: 1 = blowing. */
    fan: { pin: 13, kind: "digital-out" },
    /** Defrost heater on the evaporator (a triac gate): 1 = heating. */
    defrostHeater: { pin: 14, kind: "digital-out" },
    /** Air damper between the freezer's evaporator and the fridge: 1 = open. */
    damper: { pin: 15, kind: "digital-out" },
    /** Piezo buzzer (the door alarm). */
    buzzer: { pin: 16, kind: "pwm", hz: 2_700 },
    /** Door switch (the fridge door): 1 = shut. */
    doorSwitch: { pin: 17, kind: "digital-in" },
    /** Fridge air thermistor. */
    fridgeSensor: { pin: 24, kind: "adc" },
    /** Freezer air thermistor. */
    freezerSensor: { pin: 25, kind: "adc" },
    /** Evaporator thermistor: tells a defrost when the ice has gone. */
    evaporatorSensor: { pin: 26, kind: "adc" },
  },
  /** The door's display on the H1's segment driver: indicator LED n by name (no keys: the app sets it). */
  panel: { keys: [], indicators: ["eco", "quickFreeze", "alarm"] },
  /** NTC 5 kΩ at 25 °C, B 3435, the usual refrigeration thermistor, on a 5 kΩ divider. */
  thermistor: { r25Ohms: 5_000, beta: 3435, seriesOhms: 5_000 },
} as const);

export type FridgeBoard = typeof fridge;
