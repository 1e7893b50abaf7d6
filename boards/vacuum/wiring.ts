import { frozen } from "../../hal/frozen.js";
/**
 * The vacuum board: a robot vacuum's main board around the H1. The wheels,
 * their encoders and the gyro belong to a motion controller on UART 1, which
 * moves the robot one grid cell (0.3 m, its own width) or turns it 90° per
 * command and says how it went; the H1 does the mapping, the planning, the
 * suction, the battery and the link.
 *
 * Motion protocol, one byte each way:
 *   H1 → controller: F forward one cell, L turn left 90°, R turn right 90°
 *   controller → H1: K done; B stopped by the bumper; C stopped at a drop (cliff sensors)
 * One command at a time; each takes about a second.
 */
export const vacuum = frozen({
  id: "vacuum",
  chip: "H1",
  parts: {
    motion: { port: 1, baud: 115_200, kind: "uart" },
    /** Main brush motor: 1 = turning. */
    brush: { pin: 12, kind: "digital-out" },
    /** Piezo buzzer. */
    buzzer: { pin: 16, kind: "pwm", hz: 2_700 },
    /** Front bumper switch: 1 = pressed. */
    bumper: { pin: 17, kind: "digital-in" },
    /** Cliff (drop) sensors, any of four: 1 = no floor ahead. */
    cliff: { pin: 18, kind: "digital-in" },
    /** Charging contacts: 1 = on the dock, which charges the battery. */
    dockContacts: { pin: 19, kind: "digital-in" },
    /** Dust bin's optical full sensor: 1 = full. */
    binFull: { pin: 20, kind: "digital-in" },
    /** Suction fan's motor driver, power by PWM duty. */
    suction: { pin: 21, kind: "pwm", hz: 20_000 },
    /** Battery voltage through a 1:5 divider: counts = volts / dividedFullScaleV x the ADC's full scale. */
    battery: { pin: 24, kind: "adc" },
  },
  cellM: 0.3,
  /** A 4S Li-ion pack: 12.0 V empty, 16.8 V full; the divider puts 20 V at full scale. */
  battery: { emptyV: 12.0, fullV: 16.8, dividedFullScaleV: 20 },
} as const);

export type VacuumBoard = typeof vacuum;

/** Motion commands and replies on the controller's UART. */
export const Motion = frozen({ forward: 0x46, left: 0x4c, right: 0x52, done: 0x4b, bumped: 0x42, cliff: 0x43 } as const);
