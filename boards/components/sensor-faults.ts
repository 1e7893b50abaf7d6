import type { SensorFailure } from "./ntc.js";

/** Where a plant's noise comes from: the board kernel's seeded generator, so runs replay. */
export interface NoiseSource {
  range(min: number, max: number): number;
  next(): number;
}

/**
 * The sensors of a plant that fault injection may break: an open or shorted
 * thermistor, a stuck switch. The plant asks `failure(name)` as it writes
 * each reading.
 */
export class SensorFaults<Name extends string> {
  private readonly failed = new Map<Name, SensorFailure>();

  constructor(readonly names: readonly Name[]) {}

  /** Breaks a sensor (or mends it, with undefined) from the plant's next step on. */
  set(name: Name, failure: SensorFailure | undefined): void {
    if (!this.names.includes(name)) throw new RangeError(`no sensor called ${JSON.stringify(name)} (sensors: ${this.names.join(", ")})`);
    if (failure === undefined) this.failed.delete(name);
    else this.failed.set(name, failure);
  }

  failure(name: Name): SensorFailure | undefined {
    return this.failed.get(name);
  }
}
