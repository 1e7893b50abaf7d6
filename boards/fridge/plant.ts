import type { SimulatedH1 } from "../../hal/sim/index.js";
import { failedCounts, ntcCounts } from "../components/ntc.js";
import { SensorFaults, type NoiseSource } from "../components/sensor-faults.js";
import { fridge } from "./wiring.js";

export interface CabinetOptions {
  /** Kitchen air, °C; it swings ±2 °C over the day. Default 22. */
  kitchenC?: number;
  /** Where the compartments start, °C. Defaults 4 and -18 (a running fridge). */
  fridgeC?: number;
  freezerC?: number;
}

const parts = fridge.parts;
// Heat capacities, J/K: the air in each compartment, and the food it holds.
const FRIDGE_AIR = 4_000;
const FRIDGE_FOOD = 80_000;
const FREEZER_AIR = 2_500;
const FREEZER_FOOD = 60_000;
const EVAPORATOR = 2_000;
// Conductances, W/K.
const FRIDGE_WALLS = 0.9;
const FREEZER_WALLS = 0.6;
const AIR_TO_FOOD = 6;
/** An open door: the kitchen's air pours in. */
const OPEN_DOOR = 14;
const FAN_FREEZER = 9;
const FAN_FRIDGE = 6;
const STILL_AIR = 0.4;
/**
 * The compressor's capacity, W, at its rated suction temperature and above.
 * Below it the refrigerant boils ever less (its suction pressure falls toward
 * vacuum), so capacity falls linearly to nothing at the floor: a starved
 * evaporator (door open, fan cut) settles above the floor instead of running
 * away, as a real one does.
 */
const COMPRESSOR_W = 140;
const RATED_SUCTION_C = -30;
const SUCTION_FLOOR_C = -45;
const DEFROST_W = 250;
/** Ice melts at 0 °C and takes this much heat a kilogram. */
const LATENT_J_PER_KG = 334_000;
/** Moist kitchen air leaves frost on the evaporator. */
const FROST_KG_PER_OPENING = 0.004;
const FROST_KG_PER_RUN_HOUR = 0.002;

/**
 * A fridge-freezer cabinet: fridge and freezer compartments (air and food,
 * each a thermal mass), the evaporator with its frost, the kitchen outside.
 * The compressor pumps heat out of the evaporator; the fan carries the
 * compartments' heat to it (through the damper for the fridge), and frost
 * insulates it until a defrost melts it off. The door lets kitchen air in.
 */
export class CabinetPlant {
  fridgeC: number;
  fridgeFoodC: number;
  freezerC: number;
  freezerFoodC: number;
  evaporatorC: number;
  kitchenC: number;
  frostKg = 0.02;
  doorShut = true;
  openings = 0;
  readonly sensors = new SensorFaults(["fridge", "freezer", "evaporator"] as const);
  readonly byHand = {
    "open door": () => {
      const was = this.doorShut;
      this.openDoor();
      return was ? "the door is open: kitchen air comes in and frost builds on the evaporator" : "the door was already open";
    },
    "shut door": () => {
      this.shutDoor();
      return "the door is shut";
    },
  };
  private elapsedS = 0;
  private readonly kitchenMeanC: number;

  constructor(
    private readonly h1: SimulatedH1,
    private readonly random: NoiseSource,
    options: CabinetOptions = {},
  ) {
    this.kitchenMeanC = options.kitchenC ?? 22;
    this.kitchenC = this.kitchenMeanC;
    this.fridgeC = this.fridgeFoodC = options.fridgeC ?? 4;
    this.freezerC = this.freezerFoodC = options.freezerC ?? -18;
    this.evaporatorC = this.freezerC;
    this.writeSensors();
  }

  openDoor(): void {
    if (this.doorShut) {
      this.openings++;
      this.frostKg += FROST_KG_PER_OPENING;
    }
    this.doorShut = false;
    this.writeSensors();
  }

  shutDoor(): void {
    this.doorShut = true;
    this.writeSensors();
  }

  readings(): Record<string, number> {
    return {
      fridgeC: this.fridgeC,
      fridgeFoodC: this.fridgeFoodC,
      freezerC: this.freezerC,
      freezerFoodC: this.freezerFoodC,
      evaporatorC: this.evaporatorC,
      frostG: this.frostKg * 1000,
    };
  }

  step(dtS: number): void {
    this.elapsedS += dtS;
    this.kitchenC = this.kitchenMeanC + 2 * Math.sin((2 * Math.PI * (this.elapsedS - 9 * 3600)) / 86_400);
    const on = (pin: number): boolean => this.h1.level(pin) === 1;
    const compressor = on(parts.compressor.pin);
    const fan = on(parts.fan.pin) && this.doorShut; // the door switch cuts the fan, as on real cabinets
    // Frost insulates the evaporator: a kilogram of it halves what the fan carries.
    const frost = 1 / (1 + this.frostKg);
    const toFreezer = (fan ? FAN_FREEZER * frost : STILL_AIR) * (this.freezerC - this.evaporatorC);
    const toFridge = (fan && on(parts.damper.pin) ? FAN_FRIDGE * frost : STILL_AIR / 4) * (this.fridgeC - this.evaporatorC);
    const fridgeLeak = (FRIDGE_WALLS + (this.doorShut ? 0 : OPEN_DOOR)) * (this.kitchenC - this.fridgeC);
    const fridgeFood = AIR_TO_FOOD * (this.fridgeC - this.fridgeFoodC);
    const freezerFood = AIR_TO_FOOD * (this.freezerC - this.freezerFoodC);
    this.fridgeC += ((fridgeLeak - fridgeFood - toFridge) * dtS) / FRIDGE_AIR;
    this.fridgeFoodC += (fridgeFood * dtS) / FRIDGE_FOOD;
    this.freezerC += ((FREEZER_WALLS * (this.kitchenC - this.freezerC) - freezerFood - toFreezer) * dtS) / FREEZER_AIR;
    this.freezerFoodC += (freezerFood * dtS) / FREEZER_FOOD;
    this.stepEvaporator(toFreezer + toFridge + (on(parts.defrostHeater.pin) ? DEFROST_W : 0) - (compressor ? compressorW(this.evaporatorC) : 0), dtS);
    if (compressor) this.frostKg += (FROST_KG_PER_RUN_HOUR * dtS) / 3600;
    this.writeSensors();
  }

  /** Heat into the evaporator; at 0 °C with frost on it, the heat melts frost instead of warming it. */
  private stepEvaporator(watts: number, dtS: number): void {
    let joules = watts * dtS;
    if (this.frostKg > 0 && joules > 0 && this.evaporatorC >= 0) {
      const melted = Math.min(this.frostKg, joules / LATENT_J_PER_KG);
      this.frostKg -= melted;
      joules -= melted * LATENT_J_PER_KG;
    }
    const next = this.evaporatorC + joules / EVAPORATOR;
    // Crossing 0 °C upward with frost left: stop there and melt.
    this.evaporatorC = this.frostKg > 0 && this.evaporatorC < 0 && next > 0 ? 0 : next;
  }

  private writeSensors(): void {
    this.writeSensor("fridge", parts.fridgeSensor.pin, this.fridgeC);
    this.writeSensor("freezer", parts.freezerSensor.pin, this.freezerC);
    this.writeSensor("evaporator", parts.evaporatorSensor.pin, this.evaporatorC);
    this.h1.drive(parts.doorSwitch.pin, this.doorShut ? 1 : 0);
  }

  private writeSensor(name: "fridge" | "freezer" | "evaporator", pin: number, celsius: number): void {
    const failure = this.sensors.failure(name);
    this.h1.setAnalog(pin, failure !== undefined ? failedCounts(failure) : ntcCounts(fridge.thermistor, celsius + this.random.range(-0.05, 0.05)));
  }
}

/** What the compressor pumps out of an evaporator at `evaporatorC`, W. */
function compressorW(evaporatorC: number): number {
  return COMPRESSOR_W * Math.min(1, Math.max(0, (evaporatorC - SUCTION_FLOOR_C) / (RATED_SUCTION_C - SUCTION_FLOOR_C)));
}
