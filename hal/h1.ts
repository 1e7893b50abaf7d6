import { frozen } from "./frozen.js";
/**
 * The H1 appliance IC, as data. The simulated H1 implements exactly this, and
 * a native binding for the real chip must agree with it.
 */

const KiB = 1024;

export interface FlashPartition {
  readonly name: "boot" | "slotA" | "slotB" | "kv" | "log" | "identity";
  readonly offset: number;
  readonly size: number;
}

function layout(parts: readonly (readonly [FlashPartition["name"], number])[]): readonly FlashPartition[] {
  let offset = 0;
  return parts.map(([name, size]) => {
    const part = { name, offset, size };
    offset += size;
    return part;
  });
}

export const H1 = frozen({
  name: "H1",
  ramBytes: 256 * KiB,
  /** What firmware's JavaScript heap may use; the rest is the engine and drivers. */
  jsHeapBytes: 160 * KiB,
  flash: {
    sizeBytes: 1024 * KiB,
    sectorBytes: 4 * KiB,
    /** Program granularity: writes are whole, aligned 16-byte units. */
    programBytes: 16,
    /** Erase cycles a sector is rated for. */
    endurance: 100_000,
    partitions: layout([
      ["boot", 32 * KiB],
      ["slotA", 384 * KiB],
      ["slotB", 384 * KiB],
      ["kv", 128 * KiB],
      ["log", 64 * KiB],
      ["identity", 32 * KiB],
    ]),
  },
  /** GPIO 0..31. Any GPIO can be a digital input or output. */
  gpioCount: 32,
  adc: {
    resolution: 12,
    /** ADC channel n is on GPIO adcPins[n]. */
    pins: [24, 25, 26, 27, 28, 29, 30, 31],
  },
  pwm: {
    /** Six PWM generators, each routable to any GPIO. */
    channels: 6,
    resolution: 10,
    minHz: 1,
    maxHz: 40_000,
  },
  uart: [
    { port: 0, transmit: 0, receive: 1 },
    { port: 1, transmit: 2, receive: 3 },
  ],
  uartBaud: { min: 300, max: 1_000_000 },
  i2c: [{ port: 0, data: 4, clock: 5 }],
  spi: [{ port: 0, out: 6, in: 7, clock: 8, select: 9 }],
  appliance: {
    /**
     * The mains zero-cross detector's input. A half-cycle is regular when it lasts what 45..65 Hz
     * mains gives, give or take `toleranceUs` (the mains' own jitter); no crossing for `lossMs`
     * (over two of the longest half-cycles) is a lost mains.
     */
    zeroCross: { pin: 10, minHz: 45, maxHz: 65, toleranceUs: 700, lossMs: 25 },
    /**
     * Four triac gate drivers, each on its own pin, fired by the chip's mains block relative to each
     * zero crossing: the firing instant is set to `resolutionUs`, each gate pulse lasts `pulseUs`.
     */
    triac: { pins: [19, 21, 22, 23], resolutionUs: 10, pulseUs: 100 },
    /**
     * The 3-phase BLDC controller: commutation, the speed ramp and fault detection are the chip's.
     * A stall is a command of `stallMinRpm` or more that the motor has not followed to a fifth of it
     * for `stallMs`; a lost hall signal while driving is a sensor fault.
     */
    bldc: { maxRpm: 1600, stallMinRpm: 100, stallMs: 2_000 },
    buzzer: true,
    /** The segment driver: 4 seven-segment digits with decimal points, 8 indicator LEDs, 8 brightness steps; blinking at 1 Hz is the driver's. */
    display: { digits: 4, indicators: 8, brightnessSteps: 8, blinkMs: 500 },
    /** The capacitive key block: 6 keys; a touch counts once stable for `debounceMs`. */
    touchKeys: { keys: 6, debounceMs: 30, queue: 16 },
  },
} as const);

/** The ADC's full-scale count (4095 at 12 bits): derived from the chip description, written nowhere else. */
export const ADC_FULL_SCALE = 2 ** H1.adc.resolution - 1;

export type H1Chip = typeof H1;

export function partition(name: FlashPartition["name"]): FlashPartition {
  const found = H1.flash.partitions.find((p) => p.name === name);
  if (found === undefined) throw new Error(`H1 flash map has no partition ${name}`);
  return found;
}

/** Where the firmware's partitions are: the H1 flash map, or another board's. */
export type FlashLayout = Record<"boot" | "slotA" | "slotB" | "kv" | "log", { offset: number; size: number }>;

export function h1Layout(): FlashLayout {
  return { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB"), kv: partition("kv"), log: partition("log") };
}
