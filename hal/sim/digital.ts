import { HalError } from "../errors.js";
import { DigitalMode, Edge, type Bit, type Digital, type DigitalOptions } from "../io.js";
import { callbackOption, oneOf } from "./options.js";
import type { PinTable } from "./pins.js";

const modes = Object.values(DigitalMode);
const edges = Object.values(Edge);

/**
 * The H1's Digital IO class for one board: the class, with the board's pin
 * table bound in (one class for all boards, so a fleet of thousands shares its code).
 */
export function simDigital(pins: PinTable): new (options: DigitalOptions) => Digital {
  return SimDigital.bind(null, pins);
}

class SimDigital implements Digital {
  readonly format = "number" as const;
  private readonly pin: number;
  private readonly output: boolean;
  private closed = false;
  private readonly unwatch: (() => void) | undefined;

  constructor(
    private readonly pins: PinTable,
    options: DigitalOptions,
  ) {
    const mode = oneOf("Digital", "mode", options.mode, modes);
    const edge = options.edge === undefined ? undefined : oneOf("Digital", "edge", options.edge, edges);
    callbackOption("Digital", "onReadable", options.onReadable);
    callbackOption("Digital", "onError", options.onError);
    this.output = mode === DigitalMode.Output || mode === DigitalMode.OutputOpenDrain;
    if (this.output && edge !== undefined) {
      throw new HalError("bad-option", "Digital: option edge applies to input modes only", "edge");
    }
    pins.claim(options.pin, "Digital", this.output);
    this.pin = options.pin;
    if (mode === DigitalMode.InputPullUp) pins.setLevel(this.pin, 1);
    const onReadable = options.onReadable;
    if (!this.output && edge !== undefined && onReadable !== undefined) {
      let last = pins.level(this.pin);
      this.unwatch = pins.watch((changed) => {
        if (changed !== this.pin) return;
        const now = pins.level(this.pin);
        const rising = last === 0 && now === 1;
        last = now;
        if ((rising && edge & Edge.Rising) || (!rising && edge & Edge.Falling)) onReadable.call(this);
      });
    } else {
      this.unwatch = undefined;
    }
  }

  read(): Bit {
    this.assertOpen();
    return this.pins.level(this.pin);
  }

  write(value: Bit): void {
    this.assertOpen();
    if (!this.output) throw new HalError("bad-option", `Digital: pin ${this.pin} is an input; write needs an output mode`, "mode");
    if (value !== 0 && value !== 1) throw new HalError("bad-option", `Digital: write takes 0 or 1, got ${String(value)}`, "value");
    this.pins.setLevel(this.pin, value);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    if (this.output) this.pins.setLevel(this.pin, 0);
    this.pins.release(this.pin);
  }

  private assertOpen(): void {
    if (this.closed) throw new HalError("closed", `Digital: pin ${this.pin} is closed`);
  }
}
