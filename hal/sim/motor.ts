import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import { motorCommand, motorOptions, type Motor, type MotorCommand, type MotorFault, type MotorOptions, type MotorReading } from "../motor-io.js";
import { callbackOption } from "./options.js";

const { maxRpm, stallMinRpm, stallMs } = H1.appliance.bldc;

/** What the controller drives the motor with now: the plant turns its load by it. */
export interface MotorDrive {
  /** The ramped speed command, rpm (0 when stopped, braking or in a fault). */
  readonly rpm: number;
  readonly direction: 1 | -1;
  /** The phases shorted: the motor stops as fast as its load lets it. */
  readonly braking: boolean;
}

/** What the plant's motor does, as the controller's sensors see it. */
export interface MotorSense {
  readonly rpm: number;
  readonly currentA: number;
  readonly rippleA: number;
  /** False: the hall signals are gone (a broken wire). Default true. */
  readonly hallOk?: boolean;
}

interface Open {
  readonly holder: object;
  readonly rampRpmPerS: number;
  readonly currentLimitA: number;
  readonly onError: ((error: HalError) => void) | undefined;
  target: number;
  direction: 1 | -1;
  brake: boolean;
  /** The ramp: the command was `from` at `since`. */
  from: number;
  since: number;
  fault: MotorFault | undefined;
  slowSince: number | undefined;
  /** A turn the other way, waiting for the motor to stop. */
  reverse: { rpm: number; direction: 1 | -1 } | undefined;
}

/**
 * The H1's BLDC controller, simulated. Firmware commands a speed; the
 * controller ramps it and drives the motor; the plant turns the load by
 * `drive()` and reports what it measures with `sense()`, where the controller
 * looks for faults (stall, over-current, lost hall signals): a fault stops
 * the drive at once and stays until firmware commands 0 rpm or closes it.
 */
export class MotorBlock {
  private open: Open | undefined;
  private sensed: Required<MotorSense> = { rpm: 0, currentA: 0, rippleA: 0, hallOk: true };

  constructor(private readonly now: () => number) {}

  /** What the motor is driven with, for the plant; undefined when the controller is not in use. */
  drive(): MotorDrive | undefined {
    const o = this.open;
    if (o === undefined) return undefined;
    return { rpm: o.fault !== undefined || o.brake ? 0 : this.ramped(o), direction: o.direction, braking: o.brake && o.fault === undefined };
  }

  /** The plant's measurements, each step: the controller checks them for faults. */
  sense(s: MotorSense): void {
    this.sensed = { hallOk: true, ...s };
    const o = this.open;
    if (o === undefined || o.fault !== undefined) return;
    const command = o.brake ? 0 : this.ramped(o);
    if (s.hallOk === false && command > 0) return this.trip(o, "sensor", "the hall signals are gone while driving");
    if (s.currentA > o.currentLimitA) return this.trip(o, "over-current", `phase current ${s.currentA.toFixed(2)} A is over the ${o.currentLimitA} A limit`);
    const slow = command >= stallMinRpm && s.rpm < command / 5;
    if (!slow) o.slowSince = undefined;
    else if (o.slowSince === undefined) o.slowSince = this.now();
    else if (this.now() - o.slowSince >= stallMs) this.trip(o, "stall", `commanded ${Math.round(command)} rpm, turning ${Math.round(s.rpm)} rpm for ${stallMs} ms`);
  }

  claim(holder: object, options: { rampRpmPerS: number; currentLimitA: number; onError: ((error: HalError) => void) | undefined }): void {
    if (this.open !== undefined) throw new HalError("pin-in-use", "Motor: the H1's BLDC controller is already open");
    this.open = { holder, ...options, target: 0, direction: 1, brake: false, from: 0, since: this.now(), fault: undefined, slowSince: undefined, reverse: undefined };
  }

  command(holder: object, c: MotorCommand): void {
    const o = this.held(holder);
    const now = this.now();
    o.from = o.brake || o.fault !== undefined ? 0 : this.ramped(o);
    o.since = now;
    if ("brake" in c) {
      o.brake = true;
      o.target = 0;
      return;
    }
    o.brake = false;
    if (c.rpm === 0) o.fault = undefined; // a stop command clears a fault
    if (o.fault !== undefined) throw new HalError("io", `Motor: in a ${o.fault} fault; command 0 rpm to clear it first`);
    const direction = c.direction ?? o.direction;
    // A turn the other way: the ramp brings the motor to a stop first, then the controller reverses.
    o.reverse = undefined;
    if (direction !== o.direction && (o.from > 0 || this.sensed.rpm > 0)) {
      o.target = 0;
      o.reverse = { rpm: c.rpm, direction };
    } else {
      o.direction = direction;
      o.target = c.rpm;
    }
    o.slowSince = undefined;
  }

  reading(holder: object): MotorReading {
    const o = this.held(holder);
    const state = o.fault !== undefined ? "fault" : o.brake ? "braking" : this.ramped(o) > 0 || this.sensed.rpm > 0 ? "running" : "stopped";
    return {
      rpm: this.sensed.rpm,
      targetRpm: o.fault !== undefined || o.brake ? 0 : this.ramped(o),
      direction: o.direction,
      currentA: this.sensed.currentA,
      rippleA: this.sensed.rippleA,
      state,
      ...(o.fault === undefined ? {} : { fault: o.fault }),
    };
  }

  release(holder: object): void {
    if (this.open?.holder === holder) this.open = undefined;
  }

  /** A reset of the chip: the drive stops (the motor coasts down). */
  reset(): void {
    this.open = undefined;
  }

  private held(holder: object): Open {
    if (this.open?.holder !== holder) throw new HalError("closed", "Motor: closed");
    return this.open;
  }

  private ramped(o: Open): number {
    if (o.reverse !== undefined && o.target === 0 && this.sensed.rpm === 0 && this.rampedRaw(o) === 0) {
      o.direction = o.reverse.direction;
      o.target = o.reverse.rpm;
      o.reverse = undefined;
      o.from = 0;
      o.since = this.now();
    }
    return this.rampedRaw(o);
  }

  private rampedRaw(o: Open): number {
    const step = (o.rampRpmPerS * (this.now() - o.since)) / 1000;
    return o.target >= o.from ? Math.min(o.target, o.from + step) : Math.max(o.target, o.from - step);
  }

  private trip(o: Open, fault: MotorFault, why: string): void {
    o.from = 0;
    o.target = 0;
    o.fault = fault;
    o.slowSince = undefined;
    o.onError?.(new HalError("io", `Motor: ${fault}: the drive is stopped (${why})`, fault));
  }
}

/** The H1's Motor IO class for one board (its BLDC controller bound in). */
export function simMotor(block: MotorBlock): new (options: MotorOptions) => Motor {
  return SimMotor.bind(null, block);
}

class SimMotor implements Motor {
  readonly format = "object" as const;
  readonly maxRpm = maxRpm;
  private closed = false;
  constructor(
    private readonly block: MotorBlock,
    options: MotorOptions,
  ) {
    callbackOption("Motor", "onReadable", options.onReadable);
    callbackOption("Motor", "onError", options.onError);
    const { rampRpmPerS, currentLimitA } = motorOptions(options);
    const onError = options.onError;
    block.claim(this, { rampRpmPerS, currentLimitA, onError: onError === undefined ? undefined : (e) => onError.call(this, e) });
  }
  write(command: MotorCommand): void {
    if (this.closed) throw new HalError("closed", "Motor: closed");
    this.block.command(this, motorCommand(command));
  }
  read(): MotorReading {
    if (this.closed) throw new HalError("closed", "Motor: closed");
    return this.block.reading(this);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.block.release(this);
  }
}
