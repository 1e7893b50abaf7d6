import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import type { Analog, AnalogOptions } from "../io.js";
import { callbackOption } from "./options.js";
import type { PinTable } from "./pins.js";

/** What each ADC pin reads, in counts; a plant writes it. */
export class AnalogInputs {
  private readonly counts = new Map<number, number>();
  set(pin: number, counts: number): void {
    if (!(H1.adc.pins as readonly number[]).includes(pin)) {
      throw new HalError("unknown-pin", `Analog: pin ${pin} has no ADC channel (ADC pins: ${H1.adc.pins.join(", ")})`, "pin");
    }
    const max = 2 ** H1.adc.resolution - 1;
    this.counts.set(pin, Math.max(0, Math.min(max, Math.round(counts))));
  }
  get(pin: number): number {
    return this.counts.get(pin) ?? 0;
  }
}

/** The H1's Analog IO class for one board (its pins and ADC inputs bound in; one class for all boards). */
export function simAnalog(pins: PinTable, inputs: AnalogInputs): new (options: AnalogOptions) => Analog {
  return SimAnalog.bind(null, pins, inputs);
}

class SimAnalog implements Analog {
  readonly format = "number" as const;
  readonly resolution = H1.adc.resolution;
  private readonly pin: number;
  private closed = false;

  constructor(
    private readonly pins: PinTable,
    private readonly inputs: AnalogInputs,
    options: AnalogOptions,
  ) {
    callbackOption("Analog", "onReadable", options.onReadable);
    callbackOption("Analog", "onError", options.onError);
    if (!(H1.adc.pins as readonly number[]).includes(options.pin)) {
      throw new HalError("unknown-pin", `Analog: pin ${String(options.pin)} has no ADC channel (ADC pins: ${H1.adc.pins.join(", ")})`, "pin");
    }
    pins.claim(options.pin, "Analog");
    this.pin = options.pin;
  }

  read(): number {
    if (this.closed) throw new HalError("closed", `Analog: pin ${this.pin} is closed`);
    return this.inputs.get(this.pin);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pins.release(this.pin);
  }
}
