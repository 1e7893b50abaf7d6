import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import type { ZeroCross, ZeroCrossOptions, ZeroCrossReading } from "../mains-io.js";
import type { MainsBlock } from "./mains.js";
import { callbackOption } from "./options.js";
import type { PinTable } from "./pins.js";

/** The H1's ZeroCross IO class for one board (its pins and mains block bound in). */
export function simZeroCross(pins: PinTable, mains: MainsBlock): new (options: ZeroCrossOptions) => ZeroCross {
  return SimZeroCross.bind(null, pins, mains);
}

class SimZeroCross implements ZeroCross {
  readonly format = "object" as const;
  private closed = false;
  private readonly since: number;
  private readonly unwatch: (() => void) | undefined;

  constructor(
    private readonly pins: PinTable,
    private readonly mains: MainsBlock,
    options: ZeroCrossOptions,
  ) {
    callbackOption("ZeroCross", "onReadable", options.onReadable);
    callbackOption("ZeroCross", "onError", options.onError);
    const pin = H1.appliance.zeroCross.pin;
    if (options.pin !== pin) {
      throw new HalError("unknown-pin", `ZeroCross: pin ${String(options.pin)} has no zero-cross detector (the H1's is on pin ${pin})`, "pin");
    }
    pins.claim(pin, "ZeroCross");
    this.since = mains.reading().crossings;
    const onReadable = options.onReadable;
    this.unwatch = onReadable === undefined ? undefined : mains.onState(() => onReadable.call(this));
  }

  read(): ZeroCrossReading {
    if (this.closed) throw new HalError("closed", "ZeroCross: closed");
    const r = this.mains.reading();
    return { ...r, crossings: r.crossings - this.since };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.pins.release(H1.appliance.zeroCross.pin);
  }
}
