import type { SimulatedH1 } from "../../hal/sim/index.js";
import { failedCounts, type SensorFailure } from "../components/ntc.js";
import { SensorFaults, type NoiseSource } from "../components/sensor-faults.js";
import { Sht3xChip } from "../components/sht3x-chip.js";
import { celsiusToCounts } from "./thermistor.js";
import { airconIndoor } from "./wiring.js";

export type SensorName = "room" | "coil";
export type { SensorFailure, NoiseSource };

export interface RoomOptions {
  /** Room air at the start, °C. Default 30. */
  startC?: number;
  /** Mean outdoor temperature, °C; it swings ±4 °C over the day. Default 32. */
  outdoorC?: number;
  /** Heat leak through walls and windows, W/K. Default 120. */
  leakWPerK?: number;
  /** People, appliances and sun inside, W. Default 250. */
  gainsW?: number;
  /** Relative humidity of the room at the start and of the air that leaks in, %. Default 65. */
  humidityPct?: number;
}

/**
 * The room an indoor unit cools or heats: a lumped thermal model.
 *   room:  C_room dT/dt = UA (T_out - T) + h(fan) (T_coil - T) + gains
 *   coil:  C_coil dT_c/dt = h(fan) (T - T_c) ∓ compressor capacity
 * where h grows with the fan's duty. It reads the actuators off the simulated
 * H1's pins and writes the thermistors' ADC counts back.
 */
export class RoomPlant {
  roomC: number;
  coilC: number;
  /** The room's relative humidity, %: outdoor air brings it in, a cold coil wrings it out. */
  humidityPct: number;
  /** The return-air sensor on the unit's I2C bus. */
  readonly climateSensor: Sht3xChip;
  private readonly outdoorHumidityPct: number;
  outdoorC: number;
  private elapsedS = 0;
  readonly sensors = new SensorFaults<SensorName>(["room", "coil"]);
  private readonly outdoorMeanC: number;
  private readonly leak: number;
  private readonly gains: number;
  private static readonly roomJPerK = 600_000;
  private static readonly coilJPerK = 4_000;
  private static readonly coolW = 3_500;
  private static readonly heatW = 4_000;

  constructor(
    private readonly h1: SimulatedH1,
    private readonly random: NoiseSource,
    options: RoomOptions = {},
  ) {
    this.roomC = options.startC ?? 30;
    this.coilC = this.roomC;
    this.outdoorMeanC = options.outdoorC ?? 32;
    this.outdoorC = this.outdoorMeanC;
    this.leak = options.leakWPerK ?? 120;
    this.gains = options.gainsW ?? 250;
    this.outdoorHumidityPct = options.humidityPct ?? 65;
    this.humidityPct = this.outdoorHumidityPct;
    this.climateSensor = new Sht3xChip(h1.now, () => ({ temperature: this.roomC, humidity: this.humidityPct }));
    h1.bus.attachI2C(airconIndoor.parts.climateSensor.address, this.climateSensor);
    this.writeSensors();
  }

  get compressorOn(): boolean {
    return this.h1.level(airconIndoor.parts.compressorRelay.pin) === 1;
  }
  get heating(): boolean {
    return this.h1.level(airconIndoor.parts.reversingValve.pin) === 1;
  }
  get fanDuty(): number {
    return this.h1.pwmOutput(airconIndoor.parts.indoorFan.pin)?.duty ?? 0;
  }

  readings(): Record<string, number> {
    return { roomC: this.roomC, coilC: this.coilC, outdoorC: this.outdoorC, humidityPct: this.humidityPct };
  }

  step(dtS: number): void {
    this.elapsedS += dtS;
    const day = (2 * Math.PI * (this.elapsedS - 9 * 3600)) / 86_400;
    this.outdoorC = this.outdoorMeanC + 4 * Math.sin(day);
    const h = 30 + 350 * this.fanDuty;
    const pump = this.compressorOn ? (this.heating ? RoomPlant.heatW : -RoomPlant.coolW) : 0;
    const toCoil = h * (this.roomC - this.coilC);
    this.coilC += ((toCoil + pump) * dtS) / RoomPlant.coilJPerK;
    this.coilC = Math.min(75, Math.max(-15, this.coilC));
    this.roomC += ((this.leak * (this.outdoorC - this.roomC) - toCoil + this.gains) * dtS) / RoomPlant.roomJPerK;
    // Outside air leaks in over a couple of hours; a coil well below the room's dew point condenses water out.
    const condensing = this.coilC < this.roomC - 8 && this.fanDuty > 0 ? (0.012 * Math.min(1, this.fanDuty * 2) * Math.max(0, this.humidityPct - 30)) / 30 : 0;
    this.humidityPct += ((this.outdoorHumidityPct - this.humidityPct) / 7200 - condensing) * dtS;
    this.humidityPct = Math.min(100, Math.max(0, this.humidityPct));
    this.writeSensors();
  }

  /** Breaks a thermistor (or mends it, with undefined) from the next step on. */
  failSensor(sensor: SensorName, failure: SensorFailure | undefined): void {
    this.sensors.set(sensor, failure);
  }

  private writeSensors(): void {
    this.writeSensor("room", airconIndoor.parts.roomSensor.pin, this.roomC);
    this.writeSensor("coil", airconIndoor.parts.coilSensor.pin, this.coilC);
  }

  private writeSensor(sensor: SensorName, pin: number, celsius: number): void {
    const failure = this.sensors.failure(sensor);
    const noise = this.random.range(-0.05, 0.05);
    this.h1.setAnalog(pin, failure !== undefined ? failedCounts(failure) : celsiusToCounts(celsius + noise));
  }
}
