import { H1 } from "../h1.js";
import type { Bit, IO } from "../io.js";
import { AnalogInputs, simAnalog } from "./analog.js";
import { simDigital } from "./digital.js";
import { PinTable } from "./pins.js";
import { PwmGenerators, simPWM, type PwmOutput } from "./pwm.js";
import { simSerial, UartLine } from "./serial.js";

/**
 * A simulated H1. Firmware sees only `io`; a plant (the simulated appliance
 * around the chip) drives inputs and observes outputs through the rest.
 */
export class SimulatedH1 {
  private readonly pins = new PinTable();
  private readonly analog = new AnalogInputs();
  private readonly pwm = new PwmGenerators();
  readonly uart: readonly UartLine[] = H1.uart.map(() => new UartLine());
  readonly io: IO = {
    Digital: simDigital(this.pins),
    Analog: simAnalog(this.pins, this.analog),
    PWM: simPWM(this.pins, this.pwm),
    Serial: simSerial(this.pins, this.uart),
  };

  /** The level on a pin: what firmware drives, or what the plant drives into an input. */
  level(pin: number): Bit {
    return this.pins.level(pin);
  }
  /** The plant drives an input pin (a door switch, a zero-cross pulse). */
  drive(pin: number, level: Bit): void {
    this.pins.setLevel(pin, level);
  }
  /** The plant sets what an ADC pin reads, in counts (clamped to 12 bits). */
  setAnalog(pin: number, counts: number): void {
    this.analog.set(pin, counts);
  }
  /** The PWM output on a pin, or undefined when no generator drives it. */
  pwmOutput(pin: number): PwmOutput | undefined {
    return this.pwm.get(pin);
  }
  /** Which IO class holds a pin, if any. */
  owner(pin: number): string | undefined {
    return this.pins.owner(pin);
  }
  watch(listener: (pin: number) => void): () => void {
    return this.pins.watch(listener);
  }
}
