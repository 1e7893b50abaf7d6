import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import type { Bit } from "../io.js";

type Listener = (pin: number) => void;

/**
 * The simulated H1's pads: who owns each pin, and the level on it. IO
 * instances claim pins here; a plant drives inputs and watches outputs.
 */
export class PinTable {
  private readonly owners = new Map<number, string>();
  private readonly levels = new Uint8Array(H1.gpioCount);
  private readonly listeners = new Set<Listener>();
  /** Pins the MCU drives (outputs): a reset lets them go low. */
  private readonly driven = new Set<number>();

  claim(pin: number, owner: string, drives = false): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= H1.gpioCount) {
      throw new HalError("unknown-pin", `${owner}: H1 has no pin ${String(pin)} (GPIO 0..${H1.gpioCount - 1})`, "pin");
    }
    const holder = this.owners.get(pin);
    if (holder !== undefined) {
      throw new HalError("pin-in-use", `${owner}: pin ${pin} is already in use by ${holder}`, "pin");
    }
    this.owners.set(pin, owner);
    if (drives) this.driven.add(pin);
  }

  release(pin: number): void {
    this.owners.delete(pin);
    this.driven.delete(pin);
  }

  /** What an MCU reset does to the pads: every pin free, every driven pin low. */
  reset(): void {
    for (const pin of [...this.driven]) this.setLevel(pin, 0);
    this.driven.clear();
    this.owners.clear();
  }

  owner(pin: number): string | undefined {
    return this.owners.get(pin);
  }

  level(pin: number): Bit {
    return this.levels[pin] === 1 ? 1 : 0;
  }

  setLevel(pin: number, level: Bit): void {
    if (this.levels[pin] === level) return;
    this.levels[pin] = level;
    for (const listener of this.listeners) listener(pin);
  }

  /** Calls `listener` after every change of level on any pin. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
