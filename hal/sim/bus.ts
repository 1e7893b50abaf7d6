import { bytesOf, countOf, i2cOptions, spiOptions, type Bytes, type I2C, type I2COptions, type SPI, type SPIOptions } from "../bus-io.js";
import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import { callbackOption } from "./options.js";
import type { PinTable } from "./pins.js";

/** A chip on the simulated I2C bus, at its address (the plant's: a sensor, an EEPROM). */
export interface I2CDevice {
  /** A write to the device; false: it did not acknowledge. */
  write(bytes: Uint8Array, stop: boolean): boolean;
  /** A read from it; undefined: it did not acknowledge. */
  read(count: number, stop: boolean): Uint8Array | undefined;
}

/** The chip on the simulated SPI bus's select line. */
export interface SPIDevice {
  /** Bytes clocked out to it while selected; it answers as many. */
  transfer(out: Uint8Array): Uint8Array;
  /** Select went high: a command ends. */
  deselect(): void;
}

const PORT_I2C = H1.i2c[0];
const PORT_SPI = H1.spi[0];

/** The H1's I2C and SPI controllers and what the board has wired to them. */
export class BusBlock {
  readonly i2cDevices = new Map<number, I2CDevice>();
  spiDevice: SPIDevice | undefined;
  /** Open I2C instances by address: the bus's pins are held while any is open. */
  readonly i2cOpen = new Set<number>();
  spiOpen = false;

  /** The plant wires a chip to the I2C bus at `address`. */
  attachI2C(address: number, device: I2CDevice): void {
    this.i2cDevices.set(address, device);
  }
  /** The plant wires a chip to the SPI bus's select. */
  attachSPI(device: SPIDevice): void {
    this.spiDevice = device;
  }
  reset(): void {
    this.i2cOpen.clear();
    this.spiOpen = false;
  }
}

export function simI2C(pins: PinTable, bus: BusBlock): new (options: I2COptions) => I2C {
  return SimI2C.bind(null, pins, bus);
}
export function simSPI(pins: PinTable, bus: BusBlock): new (options: SPIOptions) => SPI {
  return SimSPI.bind(null, pins, bus);
}

function pinsAre(cls: string, given: Record<string, unknown>, wanted: Record<string, number>): void {
  for (const [name, pin] of Object.entries(wanted)) {
    if (given[name] !== pin) throw new HalError("unknown-pin", `${cls}: option ${name} = ${String(given[name])} is not the H1's ${cls} ${name} pin (${Object.entries(wanted).map(([n, p]) => `${n} ${p}`).join(", ")})`, name);
  }
}

class SimI2C implements I2C {
  readonly format = "buffer" as const;
  private readonly address: number;
  private closed = false;
  constructor(
    private readonly pins: PinTable,
    private readonly bus: BusBlock,
    options: I2COptions,
  ) {
    callbackOption("I2C", "onReadable", options.onReadable);
    callbackOption("I2C", "onError", options.onError);
    const { address } = i2cOptions(options);
    pinsAre("I2C", options as unknown as Record<string, unknown>, { data: PORT_I2C.data, clock: PORT_I2C.clock });
    if (bus.i2cOpen.has(address)) throw new HalError("pin-in-use", `I2C: address 0x${address.toString(16)} is already open on this bus`, "address");
    if (bus.i2cOpen.size === 0) {
      pins.claim(PORT_I2C.data, "I2C");
      try {
        pins.claim(PORT_I2C.clock, "I2C");
      } catch (error) {
        pins.release(PORT_I2C.data);
        throw error;
      }
    }
    bus.i2cOpen.add(address);
    this.address = address;
  }
  read(count: number, stop = true): ArrayBuffer {
    this.open();
    const bytes = this.device().read(countOf("I2C", count), stop);
    if (bytes === undefined) throw this.nack();
    return bytes.slice().buffer;
  }
  write(data: Bytes, stop = true): void {
    this.open();
    if (!this.device().write(bytesOf("I2C", data), stop)) throw this.nack();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bus.i2cOpen.delete(this.address);
    if (this.bus.i2cOpen.size === 0) {
      this.pins.release(PORT_I2C.data);
      this.pins.release(PORT_I2C.clock);
    }
  }
  private open(): void {
    if (this.closed || !this.bus.i2cOpen.has(this.address)) throw new HalError("closed", `I2C: address 0x${this.address.toString(16)} is closed`);
  }
  private device(): I2CDevice {
    const d = this.bus.i2cDevices.get(this.address);
    if (d === undefined) throw this.nack();
    return d;
  }
  private nack(): HalError {
    return new HalError("io", `I2C: no acknowledge from address 0x${this.address.toString(16)}`, "address");
  }
}

class SimSPI implements SPI {
  readonly format = "buffer" as const;
  private closed = false;
  constructor(
    private readonly pins: PinTable,
    private readonly bus: BusBlock,
    options: SPIOptions,
  ) {
    callbackOption("SPI", "onReadable", options.onReadable);
    callbackOption("SPI", "onError", options.onError);
    spiOptions(options);
    pinsAre("SPI", options as unknown as Record<string, unknown>, { out: PORT_SPI.out, in: PORT_SPI.in, clock: PORT_SPI.clock, select: PORT_SPI.select });
    const claimed: number[] = [];
    try {
      for (const [pin, drives] of [[PORT_SPI.out, true], [PORT_SPI.in, false], [PORT_SPI.clock, true], [PORT_SPI.select, true]] as const) {
        pins.claim(pin, "SPI", drives);
        claimed.push(pin);
      }
    } catch (error) {
      for (const pin of claimed) pins.release(pin);
      throw error;
    }
    pins.setLevel(PORT_SPI.select, 1);
    bus.spiOpen = true;
  }
  transfer(data: Bytes): ArrayBuffer {
    if (this.closed || !this.bus.spiOpen) throw new HalError("closed", "SPI: closed");
    const out = bytesOf("SPI", data);
    const device = this.bus.spiDevice;
    // Nothing on the bus: MISO floats high, every byte reads 0xFF.
    const answer = device === undefined ? new Uint8Array(out.length).fill(0xff) : device.transfer(out);
    device?.deselect();
    return answer.slice(0, out.length).buffer;
  }
  write(data: Bytes): void {
    this.transfer(data);
  }
  read(count: number): ArrayBuffer {
    return this.transfer(new Uint8Array(countOf("SPI", count)));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bus.spiOpen = false;
    for (const pin of [PORT_SPI.out, PORT_SPI.in, PORT_SPI.clock, PORT_SPI.select]) this.pins.release(pin);
  }
}
