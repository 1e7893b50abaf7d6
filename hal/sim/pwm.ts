import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import type { PWM, PWMOptions } from "../io.js";
import { callbackOption, intOption } from "./options.js";
import type { PinTable } from "./pins.js";

export interface PwmOutput {
  readonly hz: number;
  /** Duty as a fraction 0..1. */
  readonly duty: number;
}

/** The H1's six PWM generators: which pins they drive and at what duty. */
export class PwmGenerators {
  readonly outputs = new Map<number, PwmOutput>();
  reset(): void {
    this.outputs.clear();
  }
  get(pin: number): PwmOutput | undefined {
    return this.outputs.get(pin);
  }
}

const MAX_DUTY = 2 ** H1.pwm.resolution - 1;

/** The H1's PWM IO class for one board (its pins and generators bound in; one class for all boards). */
export function simPWM(pins: PinTable, generators: PwmGenerators): new (options: PWMOptions) => PWM {
  return SimPWM.bind(null, pins, generators);
}

class SimPWM implements PWM {
  readonly format = "number" as const;
  readonly resolution = H1.pwm.resolution;
  readonly hz: number;
  private readonly pin: number;
  private closed = false;

  constructor(
    private readonly pins: PinTable,
    private readonly generators: PwmGenerators,
    options: PWMOptions,
  ) {
    this.hz = intOption("PWM", "hz", options.hz, H1.pwm.minHz, H1.pwm.maxHz);
    callbackOption("PWM", "onError", options.onError);
    if (generators.outputs.size >= H1.pwm.channels) {
      throw new HalError("io", `PWM: all ${H1.pwm.channels} PWM generators are in use`, "pin");
    }
    pins.claim(options.pin, "PWM", true);
    this.pin = options.pin;
    generators.outputs.set(this.pin, { hz: this.hz, duty: 0 });
  }

  write(duty: number): void {
    if (this.closed) throw new HalError("closed", `PWM: pin ${this.pin} is closed`);
    intOption("PWM", "duty", duty, 0, MAX_DUTY);
    this.generators.outputs.set(this.pin, { hz: this.hz, duty: duty / MAX_DUTY });
    this.pins.setLevel(this.pin, duty > 0 ? 1 : 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generators.outputs.delete(this.pin);
    this.pins.setLevel(this.pin, 0);
    this.pins.release(this.pin);
  }
}
