import { H1 } from "../h1.js";
import type { Bit, Chip, IO } from "../io.js";
import type { ResetReason } from "../reset-cause.js";
import { AnalogInputs, simAnalog } from "./analog.js";
import { simDigital } from "./digital.js";
import { PinTable } from "./pins.js";
import { PwmGenerators, simPWM, type PwmOutput } from "./pwm.js";
import { simSerial, UartLine } from "./serial.js";
import { SimWatchdog } from "./watchdog.js";
import { SimFlash } from "./flash.js";
import { MainsBlock, type MainsTimer } from "./mains.js";
import { simTriac } from "./triac.js";
import { PanelBlock, simDisplay, simTouchKeys } from "./panel.js";
import { MotorBlock, simMotor } from "./motor.js";
import { BusBlock, simI2C, simSPI } from "./bus.js";
import { simZeroCross } from "./zero-cross.js";

/**
 * A simulated H1. Firmware sees only `io`; a plant (the simulated appliance
 * around the chip) drives inputs and observes outputs through the rest.
 */
export class SimulatedH1 {
  private readonly pins = new PinTable();
  private readonly analog = new AnalogInputs();
  private readonly pwm = new PwmGenerators();
  readonly uart: readonly UartLine[] = H1.uart.map(() => new UartLine());
  /** The mains at the inlet, the zero-cross detector and the triac gates: a plant sets the mains and reads each gate's conduction. */
  readonly mains: MainsBlock;
  /** The segment display and the touch keys: a plant or a console reads the one and touches the other. */
  readonly panel: PanelBlock;
  /** The BLDC controller: a plant turns its load by `motor.drive()` and reports with `motor.sense()`. */
  readonly motor: MotorBlock;
  /** The I2C and SPI buses: a plant wires its chips (a sensor, an EEPROM) to them. */
  readonly bus = new BusBlock();
  readonly io: IO;
  readonly watchdog: SimWatchdog;
  /** The reset-cause register: survives the reset it describes. */
  resetReason: ResetReason = "powerOn";
  /** Set by firmware's restart(); the board performs the reset. */
  restartRequested = false;
  readonly chip: Chip;

  /** The chip's 1 MiB NOR flash: it keeps its contents across resets (and, saved to a file, across runs). */
  readonly flash: SimFlash;

  /**
   * `now` is the board's clock, which the watchdog counts on; `flash` an existing image to keep;
   * `timer` the board's scheduler, which brings a change of the mains to firmware when it happens.
   */
  constructor(
    /** The board's clock (ms): the chips a plant wires to the buses keep time by it. */
    readonly now: () => number = () => 0,
    flash?: SimFlash,
    timer?: MainsTimer,
  ) {
    this.flash = flash ?? new SimFlash(H1.flash);
    this.mains = new MainsBlock(now, timer);
    this.panel = new PanelBlock(now, timer);
    this.motor = new MotorBlock(now);
    this.io = {
      Digital: simDigital(this.pins),
      Analog: simAnalog(this.pins, this.analog),
      PWM: simPWM(this.pins, this.pwm),
      Serial: simSerial(this.pins, this.uart),
      ZeroCross: simZeroCross(this.pins, this.mains),
      Triac: simTriac(this.pins, this.mains),
      Display: simDisplay(this.panel),
      TouchKeys: simTouchKeys(this.panel),
      Motor: simMotor(this.motor),
      I2C: simI2C(this.pins, this.bus),
      SPI: simSPI(this.pins, this.bus),
    };
    this.watchdog = new SimWatchdog(now);
    const h1 = this;
    this.chip = {
      watchdog: this.watchdog,
      get resetReason() {
        return h1.resetReason;
      },
      restart: () => {
        this.restartRequested = true;
      },
    };
  }

  /** What a reset does to the chip: pins free and low, PWM, triac gates and watchdog stopped, the cause recorded. */
  reset(reason: ResetReason): void {
    this.mains.reset();
    this.panel.reset();
    this.motor.reset();
    this.bus.reset();
    this.pins.reset();
    this.pwm.reset();
    for (const line of this.uart) line.notify = undefined;
    this.watchdog.reset();
    this.restartRequested = false;
    this.resetReason = reason;
  }

  /** The level on a pin: what firmware drives, or what the plant drives into an input. */
  level(pin: number): Bit {
    return this.pins.level(pin);
  }
  /** The plant drives an input pin (a door switch, a zero-cross pulse). */
  drive(pin: number, level: Bit): void {
    this.pins.setLevel(pin, level);
  }
  /** The plant sets what an ADC pin reads, in counts (clamped to 12 bits). */
  setAnalog(pin: number, counts: number): void {
    this.analog.set(pin, counts);
  }
  /** The PWM output on a pin, or undefined when no generator drives it. */
  pwmOutput(pin: number): PwmOutput | undefined {
    return this.pwm.get(pin);
  }
  /** Which IO class holds a pin, if any. */
  owner(pin: number): string | undefined {
    return this.pins.owner(pin);
  }
  watch(listener: (pin: number) => void): () => void {
    return this.pins.watch(listener);
  }
}
