import { ADC_FULL_SCALE } from "../../hal/h1.js";
import type { SimulatedH1 } from "../../hal/sim/index.js";
import { failedCounts, ntcCounts } from "../components/ntc.js";
import { SensorFaults, type NoiseSource } from "../components/sensor-faults.js";
import { Eeprom25Chip } from "../components/eeprom25-chip.js";
import { washer } from "./wiring.js";

export interface DrumOptions {
  /** Cold water from the mains, °C. Default 15. */
  inletC?: number;
  /** Laundry room air, °C. Default 20. */
  roomC?: number;
  /**
   * How unbalanced the load is after each time it tumbles and settles, 0
   * (even) to 1 (all on one side), in order; after these, seeded random
   * draws skewed to small values.
   */
  imbalances?: readonly number[];
  /** Mains pressure: litres a minute through the open inlet valve. Default 10; 0 for a closed tap. */
  inletLPerMin?: number;
  /**
   * The board's calibration EEPROM as the factory left it (the firmware's format, examples/washer/calibration.ts);
   * undefined: blank. The pressure sensor reads `levelOffsetCounts` high on an empty drum either way.
   */
  calibration?: Uint8Array;
  /** What this board's pressure sensor reads on an empty drum, counts. Default 41 (0.3 L). */
  levelOffsetCounts?: number;
}

const parts = washer.parts;
const HEATER_W = 2_000;
const DRAIN_L_PER_MIN = 25;
/** The drum, the tub and the heater element warm with the water. */
const DRUM_J_PER_K = 8_000;
const LOSS_W_PER_K = 12;
/** A driver board's acceleration limit, rpm per second (the H1's controller ramps by its own setting). */
const MOTOR_RPM_PER_S = 80;
/** What the drum, motor and load can do at most, rpm per second, under the H1's controller. */
const DRUM_RPM_PER_S = 400;
/** Phase current: the motor's own, per rpm, and per litre of water it drags round. */
const IDLE_A = 0.3;
const A_PER_RPM = 0.0012;
const A_PER_L = 0.02;
/** A jammed drum: the locked rotor draws this much, over the controller's limit. */
const JAMMED_A = 6;
/** Below this the load tumbles and falls; above it, it sticks to the drum where it lies. */
const TUMBLE_RPM = 60;
/** rpm x imbalance above this makes the cabinet walk across the floor. */
const SHAKE_LIMIT = 450;
/** The element is covered (safe to heat) above this level. */
const HEATER_COVERED_L = 3;

/**
 * A front-loader's drum: water in and out, a heater warming it, the BLDC
 * motor turning the drum with its load, and the door with its latching lock.
 * It records what a safe washer must never do: open the door on water or a
 * turning drum, heat a dry element, spin an unbalanced load too fast.
 */
export class DrumPlant {
  waterL = 0;
  waterC: number;
  rpm = 0;
  doorShut = true;
  locked = false;
  /** How unbalanced the load lies now, 0..1. */
  imbalance = 0;
  /** Safety records: seconds of heating a dry element, of spinning too fast for the load; door opened unsafely. */
  readonly violations = { dryHeatS: 0, shakeS: 0, unsafeDoorOpenings: 0 };
  readonly sensors = new SensorFaults(["waterTemp", "waterLevel"] as const);
  readonly byHand = {
    "open door": () => {
      const wet = this.waterL > 1 || this.rpm > 0;
      if (!this.openDoor()) return "the door is locked: the handle does not move and the door stays shut";
      return wet ? `the door opened with ${this.waterL.toFixed(1)} L in the drum at ${Math.round(this.rpm)} rpm (unsafe: the lock should have held)` : "the door is open";
    },
    "shut door": () => {
      this.shutDoor();
      return "the door is shut";
    },
    "jam drum": () => {
      this.jammed = true;
      return "something is caught between the drum and the tub: the drum will not turn";
    },
    "free drum": () => {
      this.jammed = false;
      return "the drum turns freely again";
    },
  };
  /** Something caught between drum and tub: it will not turn. */
  jammed = false;
  /** The calibration EEPROM on the board's SPI bus. */
  readonly eeprom: Eeprom25Chip;
  private readonly levelOffset: number;
  private tumbled = true;
  private readonly queued: number[];
  private readonly inletC: number;
  private readonly roomC: number;
  private readonly inletRate: number;

  constructor(
    private readonly h1: SimulatedH1,
    private readonly random: NoiseSource,
    options: DrumOptions = {},
  ) {
    this.inletC = options.inletC ?? 15;
    this.roomC = options.roomC ?? 20;
    this.waterC = this.roomC;
    this.inletRate = options.inletLPerMin ?? 10;
    this.queued = [...(options.imbalances ?? [])];
    this.levelOffset = options.levelOffsetCounts ?? 41;
    this.eeprom = new Eeprom25Chip(options.calibration === undefined ? undefined : { at: 0, bytes: options.calibration });
    h1.bus.attachSPI(this.eeprom);
    this.writeSensors();
  }

  /** A person tries the door; it opens unless the lock holds it. Returns whether it opened. */
  openDoor(): boolean {
    if (this.locked) return false;
    if (this.waterL > 1 || this.rpm > 0) this.violations.unsafeDoorOpenings++;
    this.doorShut = false;
    this.writeSensors();
    return true;
  }

  shutDoor(): void {
    this.doorShut = true;
    this.writeSensors();
  }

  readings(): Record<string, number> {
    return { waterL: this.waterL, waterC: this.waterC, rpm: this.rpm, imbalance: this.imbalance, locked: this.locked ? 1 : 0 };
  }

  /** The heater gate's conduction at the last step (ms at full power). */
  private conductedMs = 0;

  step(dtS: number): void {
    const on = (pin: number): boolean => this.h1.level(pin) === 1;
    this.stepLock(parts.doorLock.pin);
    if (on(parts.inletValve.pin) && this.inletRate > 0) {
      const added = (this.inletRate * dtS) / 60;
      this.waterC = (this.waterC * this.waterL + this.inletC * added) / (this.waterL + added);
      this.waterL += added;
    }
    if (on(parts.drainPump.pin)) this.waterL = Math.max(0, this.waterL - (DRAIN_L_PER_MIN * dtS) / 60);
    // The element draws power for the half-cycles its triac conducts (the mains block counts them).
    const conducted = this.h1.mains.conductedMs(parts.heater.pin);
    const share = Math.min(1, Math.max(0, (conducted >= this.conductedMs ? conducted - this.conductedMs : conducted) / (dtS * 1000)));
    this.conductedMs = conducted;
    const heating = HEATER_W * share;
    if (heating > 0 && this.waterL < HEATER_COVERED_L) this.violations.dryHeatS += dtS;
    const capacity = this.waterL * 4186 + DRUM_J_PER_K;
    this.waterC += ((heating - LOSS_W_PER_K * (this.waterC - this.roomC)) * dtS) / capacity;
    this.stepDrum(dtS);
    this.writeSensors();
  }

  /**
   * A latching (bistable) lock: driven high it locks, driven low it lets go,
   * and with nobody driving it (the MCU off or resetting) it holds where it is,
   * so a power cut never opens a door on a drum full of water.
   */
  private stepLock(pin: number): void {
    if (this.h1.owner(pin) === undefined) return;
    if (this.h1.level(pin) === 1) {
      if (this.doorShut) this.locked = true;
    } else {
      this.locked = false;
    }
  }

  private stepDrum(dtS: number): void {
    // On the H1's BLDC controller (io.Motor), or a driver board's PWM speed command.
    const drive = this.h1.motor.drive();
    const command = drive !== undefined ? drive.rpm : (this.h1.pwmOutput(parts.drumMotor.pin)?.duty ?? 0) * washer.maxRpm;
    const wanted = this.doorShut && !this.jammed ? command : 0; // the motor's driver is interlocked with the door switch
    const limit = (drive !== undefined ? DRUM_RPM_PER_S : MOTOR_RPM_PER_S) * dtS;
    this.rpm = Math.max(0, this.rpm + Math.max(-limit, Math.min(limit, wanted - this.rpm)));
    if (this.rpm < TUMBLE_RPM) {
      this.tumbled = true;
    } else if (this.tumbled) {
      // The load settles where it fell the moment it sticks to the drum.
      this.tumbled = false;
      this.imbalance = this.queued.shift() ?? this.random.next() ** 2;
    }
    if (this.rpm * this.imbalance > SHAKE_LIMIT) this.violations.shakeS += dtS;
    if (drive !== undefined) {
      const driving = command > 0 && this.doorShut;
      const currentA = this.jammed && driving ? JAMMED_A : driving || this.rpm > 0 ? IDLE_A + A_PER_RPM * this.rpm + A_PER_L * this.waterL : 0;
      this.h1.motor.sense({ rpm: this.rpm, currentA, rippleA: this.ripple() * washer.rippleFullScaleA });
    }
  }

  /** The phase current's swing over a turn, as a share of a load all on one side: a load that sticks to the drum shows it. */
  private ripple(): number {
    return this.rpm >= TUMBLE_RPM ? this.imbalance * Math.min(1, this.rpm / 90) : 0;
  }

  private writeSensors(): void {
    const level = this.sensors.failure("waterLevel");
    const temp = this.sensors.failure("waterTemp");
    const noise = this.random.range(-0.02, 0.02);
    this.h1.setAnalog(parts.waterLevel.pin, level !== undefined ? failedCounts(level) : this.levelOffset + (ADC_FULL_SCALE * Math.max(0, this.waterL + noise)) / washer.fullScaleL);
    this.h1.setAnalog(parts.waterTemp.pin, temp !== undefined ? failedCounts(temp) : ntcCounts(washer.thermistor, this.waterC + noise));
    this.h1.setAnalog(parts.drumSpeed.pin, (ADC_FULL_SCALE * this.rpm) / washer.maxRpm);
    this.h1.setAnalog(parts.currentRipple.pin, ADC_FULL_SCALE * Math.min(1, Math.max(0, this.ripple() + noise)));
    this.h1.drive(parts.lockConfirm.pin, this.locked ? 1 : 0);
    this.h1.drive(parts.doorSwitch.pin, this.doorShut ? 1 : 0);
  }
}
