import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import { triacSetting, type Triac, type TriacOptions, type TriacSetting } from "../mains-io.js";
import type { MainsBlock } from "./mains.js";
import { callbackOption } from "./options.js";
import type { PinTable } from "./pins.js";

/** The H1's Triac IO class for one board (its pins and mains block bound in). */
export function simTriac(pins: PinTable, mains: MainsBlock): new (options: TriacOptions) => Triac {
  return SimTriac.bind(null, pins, mains);
}

const GATES: readonly number[] = H1.appliance.triac.pins;

class SimTriac implements Triac {
  readonly format = "object" as const;
  readonly resolutionUs = H1.appliance.triac.resolutionUs;
  private readonly pin: number;
  private closed = false;

  constructor(
    private readonly pins: PinTable,
    private readonly mains: MainsBlock,
    options: TriacOptions,
  ) {
    callbackOption("Triac", "onReadable", options.onReadable);
    callbackOption("Triac", "onError", options.onError);
    if (!GATES.includes(options.pin)) {
      throw new HalError("unknown-pin", `Triac: pin ${String(options.pin)} has no triac gate driver (the H1's are on pins ${GATES.join(", ")})`, "pin");
    }
    pins.claim(options.pin, "Triac", true);
    this.pin = options.pin;
    mains.openGate(this.pin);
  }

  write(setting: TriacSetting): void {
    if (this.closed) throw new HalError("closed", `Triac: pin ${this.pin} is closed`);
    this.mains.setGate(this.pin, triacSetting(setting));
  }

  read(): TriacSetting {
    if (this.closed) throw new HalError("closed", `Triac: pin ${this.pin} is closed`);
    return this.mains.gate(this.pin) ?? { mode: "off" };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mains.closeGate(this.pin);
    this.pins.release(this.pin);
  }
}
