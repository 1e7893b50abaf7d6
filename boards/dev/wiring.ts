import type { DevChip } from "./chips.js";

/** One part on a dev board: the pin (or UART) it is wired to, and why that one. */
export type DevPart =
  | { readonly kind: "digital-out" | "digital-in" | "adc" | "triac"; readonly pin: number; readonly why: string }
  | { readonly kind: "pwm"; readonly pin: number; readonly hz: number; readonly why: string }
  | { readonly kind: "uart"; readonly port: number; readonly tx: number; readonly rx: number; readonly baud: number; readonly why: string }
  | { readonly kind: "i2c"; readonly data: number; readonly clock: number; readonly why: string }
  | { readonly kind: "spi"; readonly out: number; readonly in: number; readonly clock: number; readonly select: number; readonly why: string };

export interface DevWiring {
  /** The appliance board whose parts these are (its part names, `boards/<id>/wiring.ts`). */
  readonly appliance: string;
  readonly parts: Readonly<Record<string, DevPart>>;
}

/** A wiring the chip cannot do: the part, its pin, and why not. */
export class WiringError extends Error {
  override readonly name = "WiringError";
}

/**
 * Every problem with `wiring` on `chip`, each naming the part, the pin and
 * the reason (empty when the chip can do all of it): a pin it does not have or
 * the board uses, two parts on one pin, an output on an input-only pin or on
 * a strapping pin, an ADC on ADC2 (unreadable with Wi-Fi on) or on a pin with
 * no ADC, a PWM frequency the LED PWM cannot make with at least 8 bits of duty.
 */
export function wiringProblems(chip: DevChip, wiring: DevWiring, expectedParts?: readonly string[]): string[] {
  const problems: string[] = [];
  const used = new Map<number, string>();
  const claim = (part: string, pin: number): boolean => {
    const say = (why: string): void => void problems.push(`${wiring.appliance}.${part}: GPIO ${pin} ${why}`);
    if (!chip.gpio.includes(pin)) return say(`is not a pin of the ${chip.name} this board exposes`), false;
    const taken = chip.taken[pin];
    if (taken !== undefined) return say(`is taken by the board: ${taken}`), false;
    const other = used.get(pin);
    if (other !== undefined) return say(`is already ${wiring.appliance}.${other}'s`), false;
    used.set(pin, part);
    return true;
  };
  for (const [part, p] of Object.entries(wiring.parts)) {
    const say = (pin: number, why: string): void => void problems.push(`${wiring.appliance}.${part}: GPIO ${pin} ${why}`);
    if (p.kind === "uart") {
      if (!chip.uarts.includes(p.port)) problems.push(`${wiring.appliance}.${part}: UART ${p.port} is not one firmware may use (${chip.uarts.join(", ")})`);
      if (claim(part, p.tx) && chip.inputOnly.includes(p.tx)) say(p.tx, "is input-only: it cannot be a UART's TX");
      claim(part, p.rx);
      continue;
    }
    if (p.kind === "i2c" || p.kind === "spi") {
      // Bus lines: each drives (I2C's open-drain both, SPI's all but MISO), and none may sit on a strapping pin,
      // where the bus's pull-ups or a device would set how the chip boots.
      const lines = p.kind === "i2c" ? [[p.data, true], [p.clock, true]] : [[p.out, true], [p.in, false], [p.clock, true], [p.select, true]];
      for (const [pin, drives] of lines as [number, boolean][]) {
        if (!claim(part, pin)) continue;
        if (drives && chip.inputOnly.includes(pin)) say(pin, `is input-only: ${p.kind.toUpperCase()} needs it to drive`);
        if (chip.strapping.includes(pin)) say(pin, "is a strapping pin: a bus's pull-ups or a device on it at reset can change how the chip boots");
      }
      continue;
    }
    if (!claim(part, p.pin)) continue;
    const output = p.kind === "digital-out" || p.kind === "pwm" || p.kind === "triac";
    if (output && chip.inputOnly.includes(p.pin)) say(p.pin, "is input-only: it has no output driver");
    if (output && chip.strapping.includes(p.pin)) say(p.pin, "is a strapping pin: a load on it at reset can stop the chip booting");
    if (p.kind === "adc" && chip.adc2.includes(p.pin)) say(p.pin, "is on ADC2, which cannot be read while Wi-Fi is on: use an ADC1 pin");
    else if (p.kind === "adc" && !chip.adc1.includes(p.pin)) say(p.pin, "has no ADC channel");
    if (p.kind === "pwm") {
      const bits = Math.floor(Math.log2(chip.pwm.clockHz / p.hz));
      if (bits < 8) say(p.pin, `cannot make ${p.hz} Hz PWM with 8 bits of duty (the LED PWM's ${chip.pwm.clockHz / 1e6} MHz clock leaves ${bits})`);
    }
  }
  for (const name of expectedParts ?? []) if (!(name in wiring.parts)) problems.push(`${wiring.appliance}.${name}: not wired (the appliance's firmware uses it)`);
  return problems;
}

/** Throws a WiringError listing every problem, or returns the wiring. */
export function checkDevWiring(chip: DevChip, wiring: DevWiring, expectedParts?: readonly string[]): DevWiring {
  const problems = wiringProblems(chip, wiring, expectedParts);
  if (problems.length > 0) throw new WiringError(`the ${chip.name} cannot be wired so:\n  ${problems.join("\n  ")}`);
  return wiring;
}
