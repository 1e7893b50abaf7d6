import { frozen } from "../../hal/frozen.js";
/**
 * The washer board: a front-loader's main control board around the H1. The
 * drum motor is on the H1's BLDC controller (io.Motor), which measures its
 * speed and phase current; the current's ripple over a turn shows how
 * unbalanced the load lies. A chip without that controller (a dev board)
 * drives a BLDC driver board instead: a speed command on PWM (a fraction of
 * maxRpm) and two readbacks on ADC channels, the parts drumMotor, drumSpeed
 * and currentRipple.
 */
export const washer = frozen({
  id: "washer",
  chip: "H1",
  parts: {
    /** Latching door lock: driven 1 it locks, 0 it unlocks; undriven (MCU off) it holds. */
    doorLock: { pin: 12, kind: "digital-out" },
    /** Cold water inlet valve: 1 = open. */
    inletValve: { pin: 13, kind: "digital-out" },
    /** Drain pump: 1 = pumping out. */
    drainPump: { pin: 14, kind: "digital-out" },
    /** The 2 kW element under the drum, on a triac gate: burst (whole-cycle) control, as flicker rules want of a heater. */
    heater: { pin: 19, kind: "triac" },
    /** Piezo buzzer. */
    buzzer: { pin: 16, kind: "pwm", hz: 2_700 },
    /** Door lock's confirm switch: 1 = the lock has engaged. */
    lockConfirm: { pin: 17, kind: "digital-in" },
    /** Door switch: 1 = the door is shut. */
    doorSwitch: { pin: 18, kind: "digital-in" },
    /** Driver board only: the speed command, duty as a fraction of maxRpm. */
    drumMotor: { pin: 20, kind: "pwm", hz: 20_000 },
    /** Pressure sensor on the drum's air trap: counts proportional to litres, full scale = fullScaleL. */
    waterLevel: { pin: 24, kind: "adc" },
    /** Water NTC thermistor by the heater. */
    waterTemp: { pin: 25, kind: "adc" },
    /** Driver board only: its speed readback, counts proportional to rpm, full scale = maxRpm. */
    drumSpeed: { pin: 26, kind: "adc" },
    /** Driver board only: its phase-current ripple, full scale = a load entirely on one side of the drum. */
    currentRipple: { pin: 27, kind: "adc" },
    /** The factory calibration EEPROM (25xx256) on the SPI bus: the pressure sensor's offset and full scale. */
    calibration: { kind: "spi", out: 6, in: 7, clock: 8, select: 9 },
  },
  /** The front panel on the H1's key block and segment driver: key n and indicator LED n by name, left to right. */
  panel: {
    keys: ["start", "program", "temperature", "spin", "cancel"],
    indicators: ["cotton", "synthetics", "quick", "wool", "locked", "heating"],
  },
  maxRpm: 1600,
  /** The drum motor's phase-current ripple with the whole load on one side, amperes (io.Motor's rippleA). */
  rippleFullScaleA: 2,
  /** The speed ramp the drum is driven with, both ways. */
  rampRpmPerS: 80,
  fullScaleL: 30,
  thermistor: { r25Ohms: 10_000, beta: 3950, seriesOhms: 10_000 },
} as const);

export type WasherBoard = typeof washer;
