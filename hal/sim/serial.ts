import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import type { Serial, SerialOptions } from "../io.js";
import { callbackOption, intOption, oneOf } from "./options.js";
import type { PinTable } from "./pins.js";

/** The far end of a UART: what the plant sends in and sees come out. */
export class UartLine {
  private rx: number[] = [];
  private readonly transmitted = new Set<(bytes: Uint8Array) => void>();
  /** Set by an open Serial instance; called when bytes arrive. */
  notify: (() => void) | undefined;

  /** Bytes from the peer to the H1. */
  inject(bytes: Uint8Array): void {
    for (const b of bytes) this.rx.push(b);
    this.notify?.();
  }
  /** Calls `listener` with every block the H1 transmits. */
  onTransmit(listener: (bytes: Uint8Array) => void): () => void {
    this.transmitted.add(listener);
    return () => this.transmitted.delete(listener);
  }
  take(max: number): number[] {
    return this.rx.splice(0, max);
  }
  get available(): number {
    return this.rx.length;
  }
  transmit(bytes: Uint8Array): void {
    for (const listener of this.transmitted) listener(bytes);
  }
}

/** The H1's Serial IO class for one board (its pins and UART lines bound in; one class for all boards). */
export function simSerial(pins: PinTable, lines: readonly UartLine[]): new (options: SerialOptions) => Serial {
  return SimSerial.bind(null, pins, lines);
}

const PORTS = H1.uart.map((u) => u.port);

class SimSerial implements Serial {
  format: "buffer" | "number" = "buffer";
  private readonly line: UartLine;
  private readonly uart: (typeof H1.uart)[number];
  private closed = false;

  constructor(
    private readonly pins: PinTable,
    lines: readonly UartLine[],
    options: SerialOptions,
  ) {
    const port = oneOf("Serial", "port", options.port, PORTS);
    intOption("Serial", "baud", options.baud, H1.uartBaud.min, H1.uartBaud.max);
    callbackOption("Serial", "onReadable", options.onReadable);
    callbackOption("Serial", "onWritable", options.onWritable);
    callbackOption("Serial", "onError", options.onError);
    const uart = H1.uart.find((u) => u.port === port);
    const line = lines[port];
    if (uart === undefined || line === undefined) throw new HalError("unknown-pin", `Serial: H1 has no UART ${port}`, "port");
    pins.claim(uart.transmit, `Serial ${port}`);
    try {
      pins.claim(uart.receive, `Serial ${port}`);
    } catch (error) {
      pins.release(uart.transmit);
      throw error;
    }
    this.uart = uart;
    this.line = line;
    const onReadable = options.onReadable;
    if (onReadable !== undefined) line.notify = () => onReadable.call(this);
  }

  read(): ArrayBuffer | number | undefined {
    this.assertOpen();
    if (this.line.available === 0) return undefined;
    if (this.format === "number") return this.line.take(1)[0];
    return new Uint8Array(this.line.take(this.line.available)).buffer;
  }

  write(data: ArrayBuffer | Uint8Array | number): void {
    this.assertOpen();
    if (typeof data === "number") {
      intOption("Serial", "byte", data, 0, 255);
      this.line.transmit(Uint8Array.of(data));
    } else {
      this.line.transmit(data instanceof Uint8Array ? data.slice() : new Uint8Array(data.slice(0)));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.line.notify = undefined;
    this.pins.release(this.uart.transmit);
    this.pins.release(this.uart.receive);
  }

  private assertOpen(): void {
    if (this.closed) throw new HalError("closed", `Serial: port ${this.uart.port} is closed`);
  }
}
