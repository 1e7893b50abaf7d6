import { ADC_FULL_SCALE } from "../../hal/h1.js";
import type { SimulatedH1 } from "../../hal/sim/index.js";
import { SensorFaults, type NoiseSource } from "../components/sensor-faults.js";
import { Motion, vacuum } from "./wiring.js";

/**
 * A flat with two rooms, a hall, furniture and a stair going down, in
 * 0.3 m cells: `#` wall or furniture, `.` floor, `v` a drop, `D` the dock
 * (on the floor, the robot facing up the map when it sits on it).
 */
export const FLAT = [
  "##################################",
  "#..........#.....................#",
  "#..........#.....................#",
  "#..####....#.......#######.......#",
  "#..####....#.......#######.......#",
  "#..........#.....................#",
  "#..........#...........##........#",
  "#...........................###..#",
  "#..........#.....................#",
  "#..........#.....................#",
  "#######.####.....####............#",
  "#vvvv......#.....####............#",
  "#vvvv......#.....................#",
  "#..........#########.....#########",
  "#..........#.....................#",
  "#..........#.....................#",
  "#....###...#.......##....##......#",
  "#....###...........##....##......#",
  "#..........#.....................#",
  "#.....D....#.....................#",
  "##################################",
];

/** FLAT's rooms, as cells (x, y, width, height), for a console to name on its map. */
export const FLAT_ROOMS = [
  { label: { en: "Bedroom", zh: "卧室" }, x: 1, y: 1, w: 10, h: 9 },
  { label: { en: "Hall", zh: "门厅" }, x: 1, y: 11, w: 10, h: 9 },
  { label: { en: "Living room", zh: "客厅" }, x: 12, y: 1, w: 21, h: 12 },
  { label: { en: "Kitchen", zh: "厨房" }, x: 12, y: 14, w: 21, h: 6 },
] as const;

export interface FloorOptions {
  /** The floor plan (see FLAT); one `D`. Default FLAT (with FLAT_ROOMS). */
  plan?: readonly string[];
  /** The plan's rooms by name. Default FLAT_ROOMS with FLAT, none with another plan. */
  rooms?: readonly { label: { en: string; zh: string }; x: number; y: number; w: number; h: number }[];
  /** Battery charge at the start, 0..1. Default 1. */
  charge?: number;
  /** Dust already in the bin, grams (it holds 300). Default 0. */
  binG?: number;
}

const HEADINGS = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
] as const;
const BATTERY_J = 37 * 3600;
const CHARGER_W = 45;
const BASE_W = 5;
const DRIVE_W = 7;
const BRUSH_W = 5;
const SUCTION_MAX_W = 45;
const BIN_G = 300;

/**
 * The robot on the floor of a flat: its pose on a grid, the motion
 * controller that moves it a cell at a time (on the H1's UART 1), bumper and
 * cliff sensors, the battery and the dock that charges it, the dust it picks
 * up. It records which floor cells have been cleaned, and whether the
 * battery ever ran flat.
 */
export class FloorPlant {
  x = 0;
  y = 0;
  heading = 0;
  /** State of charge, 0..1. */
  charge: number;
  binG: number;
  ranFlat = false;
  moves = 0;
  /** Every stop, by kind, and the distinct cells that caused them (a robot that maps well meets each once). */
  readonly stops = { bump: 0, cliff: 0, cells: new Set<number>() };
  readonly cleaned = new Set<number>();
  readonly sensors = new SensorFaults(["battery"] as const);
  readonly byHand = {
    "empty bin": () => {
      const grams = Math.round(this.binG);
      this.emptyBin();
      return `the dust bin is empty (${grams} g of dust taken out)`;
    },
    "carry to dock": () => {
      const far = Math.hypot(this.x - this.dock.x, this.y - this.dock.y) * vacuum.cellM;
      this.carryToDock();
      return `picked up ${far.toFixed(1)} m from the dock and put on it, facing out; its map no longer knows where it is`;
    },
  };
  private readonly plan: readonly string[];
  private readonly dock: { x: number; y: number };
  /** The flat as a console draws it (sdk/desk/sim/app.ts, FloorPlan): the simulator's ground truth, not the robot's map. */
  readonly floorPlan: { rows: readonly string[]; cellM: number; dock: { x: number; y: number }; rooms: NonNullable<FloorOptions["rooms"]> };
  private pending: number | undefined;
  private readonly dirt = new Map<number, number>();
  private reachableCells: Set<number> | undefined;

  constructor(
    private readonly h1: SimulatedH1,
    private readonly random: NoiseSource,
    options: FloorOptions = {},
  ) {
    this.plan = options.plan ?? FLAT;
    const row = this.plan.findIndex((line) => line.includes("D"));
    if (row < 0) throw new RangeError("the floor plan has no dock (D)");
    this.dock = { x: (this.plan[row] as string).indexOf("D"), y: row };
    this.floorPlan = { rows: this.plan, cellM: vacuum.cellM, dock: this.dock, rooms: options.rooms ?? (options.plan === undefined ? FLAT_ROOMS : []) };
    this.charge = options.charge ?? 1;
    this.binG = options.binG ?? 0;
    this.carryToDock();
    h1.uart[vacuum.parts.motion.port]?.onTransmit((bytes) => {
      for (const byte of bytes) this.pending = byte;
    });
  }

  get docked(): boolean {
    return this.x === this.dock.x && this.y === this.dock.y;
  }

  /** The floor cells the robot can reach from its dock, the dock's own cell not counted: it stands on it. */
  reachable(): ReadonlySet<number> {
    // The plan never changes: flood it once (the console asks for coverage every simulated second).
    return (this.reachableCells ??= this.flood());
  }

  private flood(): Set<number> {
    const seen = new Set<number>([this.key(this.dock.x, this.dock.y)]);
    const queue = [this.dock];
    while (queue.length > 0) {
      const { x, y } = queue.shift() as { x: number; y: number };
      for (const [dx, dy] of HEADINGS) {
        const nx = x + dx;
        const ny = y + dy;
        if (!this.isFloor(nx, ny) || seen.has(this.key(nx, ny))) continue;
        seen.add(this.key(nx, ny));
        queue.push({ x: nx, y: ny });
      }
    }
    seen.delete(this.key(this.dock.x, this.dock.y));
    return seen;
  }

  /** The share of the reachable floor cleaned so far, 0..1. */
  coverage(): number {
    const reachable = this.reachable();
    let cleaned = 0;
    for (const cell of this.cleaned) if (reachable.has(cell)) cleaned++;
    return reachable.size === 0 ? 1 : cleaned / reachable.size;
  }

  emptyBin(): void {
    this.binG = 0;
    this.writeSensors();
  }

  /** A person picks the robot up and puts it on its dock, facing out. */
  carryToDock(): void {
    this.x = this.dock.x;
    this.y = this.dock.y;
    this.heading = 0;
    this.writeSensors();
  }

  readings(): Record<string, number> {
    return { batteryPct: this.charge * 100, binG: this.binG, coveragePct: this.coverage() * 100, x: this.x, y: this.y };
  }

  step(dtS: number): void {
    const suction = this.h1.pwmOutput(vacuum.parts.suction.pin)?.duty ?? 0;
    const brush = this.h1.level(vacuum.parts.brush.pin) === 1;
    const command = this.pending;
    this.pending = undefined;
    let watts = BASE_W + suction * SUCTION_MAX_W + (brush ? BRUSH_W : 0);
    if (command !== undefined && this.charge > 0) {
      watts += DRIVE_W;
      this.move(command, suction > 0 && brush);
    }
    if (this.docked) {
      // Constant current, then tapering over the last fifth.
      const taper = this.charge < 0.8 ? 1 : Math.max(0.05, (1 - this.charge) / 0.2);
      watts -= CHARGER_W * taper;
    }
    this.charge = Math.min(1, Math.max(0, this.charge - (watts * dtS) / BATTERY_J));
    if (this.charge === 0) this.ranFlat = true;
    this.writeSensors();
  }

  private move(command: number, cleaning: boolean): void {
    const line = this.h1.uart[vacuum.parts.motion.port];
    this.h1.drive(vacuum.parts.bumper.pin, 0);
    this.h1.drive(vacuum.parts.cliff.pin, 0);
    let reply: number = Motion.done;
    if (command === Motion.left) this.heading = (this.heading + 3) % 4;
    else if (command === Motion.right) this.heading = (this.heading + 1) % 4;
    else if (command === Motion.forward) {
      const [dx, dy] = HEADINGS[this.heading] as readonly [number, number];
      const cell = this.at(this.x + dx, this.y + dy);
      if (cell === "v") {
        this.h1.drive(vacuum.parts.cliff.pin, 1);
        reply = Motion.cliff;
        this.stops.cliff++;
        this.stops.cells.add(this.key(this.x + dx, this.y + dy));
      } else if (cell !== "." && cell !== "D") {
        this.h1.drive(vacuum.parts.bumper.pin, 1);
        reply = Motion.bumped;
        this.stops.bump++;
        this.stops.cells.add(this.key(this.x + dx, this.y + dy));
      } else {
        this.x += dx;
        this.y += dy;
        this.moves++;
        if (cleaning) this.clean(this.key(this.x, this.y));
      }
    }
    line?.inject(new Uint8Array([reply]));
  }

  private clean(cell: number): void {
    this.cleaned.add(cell);
    let dirt = this.dirt.get(cell);
    if (dirt === undefined) dirt = this.random.next() * 0.3;
    this.binG = Math.min(BIN_G, this.binG + dirt);
    this.dirt.set(cell, 0);
  }

  private isFloor(x: number, y: number): boolean {
    const cell = this.at(x, y);
    return cell === "." || cell === "D";
  }

  private at(x: number, y: number): string {
    return this.plan[y]?.[x] ?? "#";
  }

  private key(x: number, y: number): number {
    return y * 1000 + x;
  }

  private writeSensors(): void {
    const { emptyV, fullV, dividedFullScaleV } = vacuum.battery;
    const volts = emptyV + (fullV - emptyV) * this.charge + this.random.range(-0.02, 0.02);
    const failed = this.sensors.failure("battery");
    this.h1.setAnalog(vacuum.parts.battery.pin, failed === "open" ? ADC_FULL_SCALE : failed === "short" ? 0 : (ADC_FULL_SCALE * volts) / dividedFullScaleV);
    this.h1.drive(vacuum.parts.dockContacts.pin, this.docked ? 1 : 0);
    this.h1.drive(vacuum.parts.binFull.pin, this.binG >= BIN_G * 0.95 ? 1 : 0);
  }
}
