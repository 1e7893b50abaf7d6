import { HalError, type HalErrorCode } from "./errors.js";
import { callbackOption } from "./options.js";
import { FlashError, type Flash, type FlashErrorKind } from "./flash.js";
import type { Analog, AnalogOptions, Bit, Chip, Digital, DigitalOptions, HardwareWatchdog, IO, PWM, PWMOptions, Serial, SerialOptions } from "./io.js";
import { isNativeError, type NativeBinding, type NativeError } from "./native.js";
import { bytesOf, countOf, i2cOptions, spiOptions, type Bytes, type I2C, type I2COptions, type SPI, type SPIOptions } from "./bus-io.js";
import { motorCommand, motorOptions, type Motor, type MotorCommand, type MotorOptions, type MotorReading } from "./motor-io.js";
import { segmentsOf, touchKeysOptions, type Display, type DisplayFrame, type DisplayOptions, type KeyEvent, type TouchKeys, type TouchKeysOptions } from "./panel-io.js";
import { triacNumbers, triacSetting, type Triac, type TriacOptions, type TriacSetting, type ZeroCross, type ZeroCrossOptions, type ZeroCrossReading } from "./mains-io.js";
import { ResetReason } from "./reset-cause.js";
import { frozen } from "./frozen.js";

/**
 * The HAL over the native binding contract, inside a firmware image: the
 * ECMA-419 classes firmware uses, a flash, and the chip's services. The chip
 * checks pins and options (and says what is wrong); these classes carry its
 * answers back as HalError and FlashError, and route each handle's events.
 */

const HAL_CODES: readonly HalErrorCode[] = frozen(["unknown-pin", "pin-in-use", "bad-option", "closed", "io"]);

function halResult<T>(result: T | NativeError): T {
  if (!isNativeError(result)) return result;
  const code = HAL_CODES.includes(result.error as HalErrorCode) ? (result.error as HalErrorCode) : "io";
  throw new HalError(code, result.message, result.option);
}

function flashResult<T>(result: T | NativeError): T {
  if (!isNativeError(result)) return result;
  throw new FlashError(result.error as FlashErrorKind, result.message);
}


/** Handles with an onReadable: the engine's `readable(handle)` lands here. */
export class NativeEvents {
  private readonly readable = new Map<number, () => void>();
  on(handle: number, listener: () => void): void {
    this.readable.set(handle, listener);
  }
  off(handle: number): void {
    this.readable.delete(handle);
  }
  dispatch(handle: number): void {
    this.readable.get(handle)?.();
  }
}

/**
 * The chip this image runs on, bound once by `nativeIO` as the image starts
 * (one image, one chip). The classes are made when the module loads, so on a
 * chip that runs preloaded modules from flash they cost no RAM.
 */
let native: NativeBinding;
let events: NativeEvents;

class Handle {
  protected closed = false;
  constructor(protected readonly handle: number) {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    events.off(this.handle);
    native.ioClose(this.handle);
  }
  protected open(cls: string): void {
    if (this.closed) throw new HalError("closed", `${cls}: closed`);
  }
}

class NativeDigital extends Handle implements Digital {
  readonly format = "number" as const;
  constructor(options: DigitalOptions) {
    callbackOption("Digital", "onReadable", options.onReadable);
    callbackOption("Digital", "onError", options.onError);
    super(halResult(native.digitalOpen(options.pin, options.mode, options.edge ?? 0)));
    const onReadable = options.onReadable;
    if (onReadable !== undefined && options.edge !== undefined) events.on(this.handle, () => onReadable.call(this));
  }
  read(): Bit {
    this.open("Digital");
    return halResult(native.ioRead(this.handle)) as Bit;
  }
  write(value: Bit): void {
    this.open("Digital");
    halResult(native.ioWrite(this.handle, value));
  }
}

class NativeAnalog extends Handle implements Analog {
  readonly format = "number" as const;
  readonly resolution: number;
  constructor(options: AnalogOptions) {
    callbackOption("Analog", "onError", options.onError);
    const opened = halResult(native.analogOpen(options.pin));
    super(opened.handle);
    this.resolution = opened.resolution;
  }
  read(): number {
    this.open("Analog");
    return halResult(native.ioRead(this.handle)) as number;
  }
}

class NativePWM extends Handle implements PWM {
  readonly format = "number" as const;
  readonly resolution: number;
  readonly hz: number;
  constructor(options: PWMOptions) {
    callbackOption("PWM", "onError", options.onError);
    const opened = halResult(native.pwmOpen(options.pin, options.hz));
    super(opened.handle);
    this.resolution = opened.resolution;
    this.hz = opened.hz;
  }
  write(duty: number): void {
    this.open("PWM");
    halResult(native.ioWrite(this.handle, duty));
  }
}

class NativeSerial extends Handle implements Serial {
  format: "buffer" | "number" = "buffer";
  constructor(options: SerialOptions) {
    callbackOption("Serial", "onReadable", options.onReadable);
    callbackOption("Serial", "onWritable", options.onWritable);
    callbackOption("Serial", "onError", options.onError);
    super(halResult(native.serialOpen(options.port, options.baud)));
    const onReadable = options.onReadable;
    if (onReadable !== undefined) events.on(this.handle, () => onReadable.call(this));
  }
  read(): ArrayBuffer | number | undefined {
    this.open("Serial");
    const bytes = halResult(native.ioRead(this.handle));
    if (!(bytes instanceof ArrayBuffer) || bytes.byteLength === 0) return undefined;
    return this.format === "number" ? (new Uint8Array(bytes)[0] as number) : bytes;
  }
  write(data: ArrayBuffer | Uint8Array | number): void {
    this.open("Serial");
    const bytes = typeof data === "number" ? Uint8Array.of(data) : data instanceof Uint8Array ? data : new Uint8Array(data);
    halResult(native.ioWrite(this.handle, bytes.slice().buffer));
  }
}

class NativeZeroCross extends Handle implements ZeroCross {
  readonly format = "object" as const;
  constructor(options: ZeroCrossOptions) {
    callbackOption("ZeroCross", "onReadable", options.onReadable);
    callbackOption("ZeroCross", "onError", options.onError);
    super(halResult(native.zeroCrossOpen(options.pin)));
    const onReadable = options.onReadable;
    if (onReadable !== undefined) events.on(this.handle, () => onReadable.call(this));
  }
  read(): ZeroCrossReading {
    this.open("ZeroCross");
    return halResult(native.ioRead(this.handle)) as ZeroCrossReading;
  }
}

class NativeTriac extends Handle implements Triac {
  readonly format = "object" as const;
  readonly resolutionUs: number;
  private setting: TriacSetting = { mode: "off" };
  constructor(options: TriacOptions) {
    callbackOption("Triac", "onReadable", options.onReadable);
    callbackOption("Triac", "onError", options.onError);
    const opened = halResult(native.triacOpen(options.pin));
    super(opened.handle);
    this.resolutionUs = opened.resolutionUs;
  }
  write(setting: TriacSetting): void {
    this.open("Triac");
    const checked = triacSetting(setting);
    halResult(native.triacWrite(this.handle, ...triacNumbers(checked)));
    this.setting = checked;
  }
  read(): TriacSetting {
    this.open("Triac");
    return this.setting;
  }
}

class NativeDisplay extends Handle implements Display {
  readonly format = "object" as const;
  readonly digits = 4;
  private frame: DisplayFrame;
  constructor(options: DisplayOptions) {
    callbackOption("Display", "onReadable", options.onReadable);
    callbackOption("Display", "onError", options.onError);
    super(halResult(native.displayOpen(options.brightness ?? 7)));
    this.frame = { text: "", brightness: options.brightness ?? 7 };
  }
  write(frame: DisplayFrame): void {
    this.open("Display");
    segmentsOf(frame);
    const brightness = frame.brightness ?? this.frame.brightness ?? 7;
    halResult(native.displayWrite(this.handle, frame.text, frame.blink === true ? 1 : 0, brightness, frame.indicators ?? 0));
    this.frame = { text: frame.text, blink: frame.blink ?? false, brightness, indicators: frame.indicators ?? 0 };
  }
  read(): DisplayFrame {
    this.open("Display");
    return this.frame;
  }
}

class NativeTouchKeys extends Handle implements TouchKeys {
  readonly format = "object" as const;
  readonly keys = 6;
  constructor(options: TouchKeysOptions) {
    callbackOption("TouchKeys", "onReadable", options.onReadable);
    callbackOption("TouchKeys", "onError", options.onError);
    const o = touchKeysOptions(options);
    super(halResult(native.touchKeysOpen(o.longPressMs, o.repeatKeys, o.repeatMs)));
    const onReadable = options.onReadable;
    if (onReadable !== undefined) events.on(this.handle, () => onReadable.call(this));
  }
  read(): KeyEvent | undefined {
    this.open("TouchKeys");
    return (halResult(native.ioRead(this.handle)) as KeyEvent | undefined) ?? undefined;
  }
}

class NativeMotor extends Handle implements Motor {
  readonly format = "object" as const;
  readonly maxRpm: number;
  private faulted = false;
  constructor(options: MotorOptions) {
    callbackOption("Motor", "onReadable", options.onReadable);
    callbackOption("Motor", "onError", options.onError);
    const o = motorOptions(options);
    const opened = halResult(native.motorOpen(o.rampRpmPerS, o.currentLimitA));
    super(opened.handle);
    this.maxRpm = opened.maxRpm;
    const onError = options.onError;
    // The chip says the controller tripped: the reading names the fault.
    events.on(this.handle, () => {
      const r = this.read();
      if (r.state !== "fault" || this.faulted) return;
      this.faulted = true;
      onError?.call(this, new HalError("io", `Motor: ${r.fault ?? "fault"}: the drive is stopped`, r.fault));
    });
  }
  write(command: MotorCommand): void {
    this.open("Motor");
    const c = motorCommand(command);
    halResult("brake" in c ? native.motorWrite(this.handle, 0, 1, 1) : native.motorWrite(this.handle, c.rpm, c.direction ?? 0, 0));
    if (!("brake" in c) && c.rpm === 0) this.faulted = false;
  }
  read(): MotorReading {
    this.open("Motor");
    return halResult(native.ioRead(this.handle)) as MotorReading;
  }
}

class NativeI2C extends Handle implements I2C {
  readonly format = "buffer" as const;
  constructor(options: I2COptions) {
    callbackOption("I2C", "onReadable", options.onReadable);
    callbackOption("I2C", "onError", options.onError);
    const { hz, address } = i2cOptions(options);
    super(halResult(native.i2cOpen(options.data, options.clock, hz, address)));
  }
  read(count: number, stop = true): ArrayBuffer {
    this.open("I2C");
    return halResult(native.i2cRead(this.handle, countOf("I2C", count), stop ? 1 : 0));
  }
  write(data: Bytes, stop = true): void {
    this.open("I2C");
    halResult(native.i2cWrite(this.handle, bytesOf("I2C", data).buffer as ArrayBuffer, stop ? 1 : 0));
  }
}

class NativeSPI extends Handle implements SPI {
  readonly format = "buffer" as const;
  constructor(options: SPIOptions) {
    callbackOption("SPI", "onReadable", options.onReadable);
    callbackOption("SPI", "onError", options.onError);
    const { hz, mode } = spiOptions(options);
    super(halResult(native.spiOpen(options.out, options.in, options.clock, options.select, hz, mode)));
  }
  transfer(data: Bytes): ArrayBuffer {
    this.open("SPI");
    return halResult(native.spiTransfer(this.handle, bytesOf("SPI", data).buffer as ArrayBuffer));
  }
  write(data: Bytes): void {
    this.transfer(data);
  }
  read(count: number): ArrayBuffer {
    return this.transfer(new Uint8Array(countOf("SPI", count)));
  }
}

const IO_CLASSES: IO = frozen({ I2C: NativeI2C, SPI: NativeSPI, Motor: NativeMotor, Digital: NativeDigital, Analog: NativeAnalog, PWM: NativePWM, Serial: NativeSerial, ZeroCross: NativeZeroCross, Triac: NativeTriac, Display: NativeDisplay, TouchKeys: NativeTouchKeys });

export function nativeIO(binding: NativeBinding, handles: NativeEvents): IO {
  native = binding;
  events = handles;
  return IO_CLASSES;
}

/** The chip's flash, whole; partitions are FlashRegions of it. */
export class NativeFlash implements Flash {
  readonly sizeBytes: number;
  readonly sectorBytes: number;
  readonly programBytes: number;
  constructor(private readonly native: NativeBinding) {
    const g = native.flashGeometry();
    this.sizeBytes = g.sizeBytes;
    this.sectorBytes = g.sectorBytes;
    this.programBytes = g.programBytes;
  }
  read(offset: number, length: number): Uint8Array {
    return new Uint8Array(flashResult(this.native.flashRead(offset, length)));
  }
  program(offset: number, data: Uint8Array): void {
    flashResult(this.native.flashProgram(offset, data.slice().buffer));
  }
  erase(sector: number): void {
    flashResult(this.native.flashErase(sector));
  }
}

export function nativeChip(native: NativeBinding, resetReason: number): Chip {
  let timeoutMs: number | undefined;
  const watchdog: HardwareWatchdog = {
    start(ms: number) {
      halResult(native.watchdogStart(ms));
      timeoutMs = ms;
    },
    feed: () => native.watchdogFeed(),
    get timeoutMs() {
      return timeoutMs;
    },
  };
  const reason = (Object.keys(ResetReason) as ResetReason[]).find((k) => ResetReason[k] === resetReason) ?? "powerOn";
  return { watchdog, resetReason: reason, restart: () => native.restart() };
}
