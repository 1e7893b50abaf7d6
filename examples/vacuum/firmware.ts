import { Motion, vacuum as board } from "../../boards/vacuum/index.js";
import { DigitalMode, HearthError, type FirmwareContext, frozen, parseRooms } from "../../sdk/index.js";
import { Cell, GridMap, moved, type Move, type Pose } from "./grid-map.js";
import type { VacuumModel, VacuumState } from "./model.js";
import { scheduledDay } from "./schedule.js";

const TICK_MS = 500;
/** A motion command unanswered this long: the controller has failed. */
const MOTION_TIMEOUT_MS = 5_000;
/** Carry on a job from the dock once the battery is this full. */
export const RESUME_PCT = 95;
/** Head home with this much battery to spare beyond what the way home should take. */
const RESERVE_PCT = 8;
const SUCTION_DUTY = frozen({ quiet: 0.25, standard: 0.45, strong: 0.7, max: 1 } as const);
const COMMAND = frozen({ forward: Motion.forward, left: Motion.left, right: Motion.right } as const);
/** The local day a scheduled clean last started, so a restart within its minute does not start it twice. */
export const SCHEDULE_KEY = "vacuum/scheduled-day";
export const VacuumError = frozen({ none: 0, boxedIn: 1, batterySensor: 2, motionSilent: 3, lost: 4 } as const);

type Mode = VacuumState["state"];

/**
 * Robot vacuum firmware for the vacuum board. It maps the floor as it goes
 * (bumps and drops mark cells it cannot enter), always heads for the nearest
 * cell it has not cleaned, goes home to recharge (or for an emptied bin)
 * when it must and carries on after, and ends the job when no cell it has
 * not cleaned can be reached. With rooms selected it cleans only in them:
 * it crosses the rest with its brush and suction off.
 */
export function vacuum({ io, kernel, device, log, watchdog, storage, update, time }: FirmwareContext<VacuumModel>): void {
  const parts = board.parts;
  const brush = new io.Digital({ pin: parts.brush.pin, mode: DigitalMode.Output });
  const input = (pin: number) => new io.Digital({ pin, mode: DigitalMode.Input });
  const bumper = input(parts.bumper.pin);
  const cliff = input(parts.cliff.pin);
  const contacts = input(parts.dockContacts.pin);
  const bin = input(parts.binFull.pin);
  const suction = new io.PWM({ pin: parts.suction.pin, hz: parts.suction.hz });
  const batteryAdc = new io.Analog({ pin: parts.battery.pin });
  const motion = new io.Serial({
    port: parts.motion.port,
    baud: parts.motion.baud,
    onReadable() {
      const bytes = this.read();
      if (bytes instanceof ArrayBuffer) for (const b of new Uint8Array(bytes)) kernel.post(() => replied(b), undefined, "motion");
    },
  });

  let map = new GridMap();
  let pose: Pose = { ...map.dock, heading: 0 };
  map.set(pose.x, pose.y, Cell.cleaned);
  let mode: Mode = "docked";
  /** What a pause interrupted, to carry on with. */
  let pausedFrom: Mode = "cleaning";
  /** Whether the way home is a break in the job (battery, bin) rather than its end. */
  let comeBack = false;
  /** The move the motion controller is making, and whether it cleans as it goes (brush and suction on). */
  let outstanding: { move: Move; sentAt: number; sweeping: boolean } | undefined;
  let job = { startedAt: 0, recharges: 0 };
  /** Battery use per cell moved, measured as it cleans (a first guess until then). */
  let pctPerMove = 0.05;
  let leftDock = { pct: 100, moves: 0 };
  let movesMade = 0;
  let binWas = false;
  if (contacts.read() === 0) fail(VacuumError.lost, "off the dock after a restart: the map is gone; carry it to the dock");

  /** Battery volts, smoothed: the pack's voltage wanders with the load, and a percentage should not flicker. */
  let volts: number | undefined;
  function batteryPct(): number | undefined {
    const counts = batteryAdc.read();
    const fullScale = 2 ** batteryAdc.resolution - 1;
    if (counts <= 8 || counts >= fullScale - 8) return undefined;
    const { emptyV, fullV, dividedFullScaleV } = board.battery;
    const now = (counts / fullScale) * dividedFullScaleV;
    volts = volts === undefined ? now : volts + (now - volts) * 0.1;
    return Math.min(100, Math.max(0, ((volts - emptyV) / (fullV - emptyV)) * 100));
  }

  function fail(code: number, why: string): void {
    log.error("vacuum", why);
    mode = "stuck";
    device.update({ state: "stuck", error: code });
    device.emit("stuck", { code });
  }

  /** The rooms on its map as rectangles of cells, read again when `rooms` changes. */
  let roomCells: { text: string; cells: { x0: number; y0: number; x1: number; y1: number }[] } | undefined;
  function rooms(): { x0: number; y0: number; x1: number; y1: number }[] {
    const text = device.get("rooms");
    if (roomCells?.text !== text) {
      // A cell is in a room when its centre is: metres from the dock over the cell's size, rounded inwards.
      const dock = GridMap.SIZE / 2;
      const cells = parseRooms(text).map((r) => ({
        x0: dock + Math.ceil(r.x0 / board.cellM - 1e-6),
        y0: dock + Math.ceil(r.y0 / board.cellM - 1e-6),
        x1: dock + Math.floor(r.x1 / board.cellM + 1e-6),
        y1: dock + Math.floor(r.y1 / board.cellM + 1e-6),
      }));
      roomCells = { text, cells };
    }
    return roomCells.cells;
  }
  /** The room a cell is in (n for room n), 0 for none. */
  function roomAt(x: number, y: number): number {
    const all = rooms();
    for (let i = 0; i < all.length; i++) {
      const r = all[i] as { x0: number; y0: number; x1: number; y1: number };
      if (x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1) return i + 1;
    }
    return 0;
  }
  /** The rooms selected that it has, as a bitmask; 0: the whole floor. */
  const selection = (): number => device.get("selectedRooms") & ((1 << rooms().length) - 1);
  /** Whether a cell is one to clean: any, with no rooms selected; else one in a room selected. */
  function toClean(x: number, y: number, mask = selection()): boolean {
    if (mask === 0) return true;
    const room = roomAt(x, y);
    return room > 0 && (mask & (1 << (room - 1))) !== 0;
  }
  // A selection keeps to the rooms it has (Matter's ServiceArea asks the same of a changed room list).
  const keepSelection = (): void => {
    const mask = selection();
    if (mask !== device.get("selectedRooms")) device.set("selectedRooms", mask);
  };
  device.onWrite("rooms", keepSelection);
  device.onWrite("selectedRooms", keepSelection);

  function send(move: Move): void {
    const to = move === "forward" ? map.ahead(pose) : pose;
    outstanding = { move, sentAt: kernel.now(), sweeping: mode === "cleaning" && toClean(to.x, to.y) };
    motion.write(new Uint8Array([COMMAND[move]]));
  }

  /** The motion controller's answer to the command outstanding. */
  function replied(byte: number): void {
    const sent = outstanding;
    outstanding = undefined;
    if (sent === undefined) return;
    if (byte === Motion.done) {
      pose = moved(pose, sent.move, map);
      if (sent.move === "forward") {
        movesMade++;
        if (sent.sweeping) map.set(pose.x, pose.y, Cell.cleaned);
        else if (map.get(pose.x, pose.y) !== Cell.cleaned) map.set(pose.x, pose.y, Cell.passed);
      }
      return;
    }
    // Stopped: the sensors say whether by a wall or at a drop; the cell ahead is out of bounds from now on.
    const ahead = map.ahead(pose);
    map.set(ahead.x, ahead.y, byte === Motion.cliff || cliff.read() === 1 ? Cell.drop : Cell.blocked);
    if (byte !== Motion.cliff && byte !== Motion.bumped) log.warn("motion", `unknown reply ${byte}: taken as a bump`);
    else if (byte === Motion.bumped && bumper.read() === 0) log.warn("motion", "bump reported but the bumper is not pressed");
  }

  const atDock = (): boolean => pose.x === map.dock.x && pose.y === map.dock.y;
  const crossed = (x: number, y: number): boolean => {
    const cell = map.get(x, y);
    return cell === Cell.cleaned || cell === Cell.passed;
  };
  const wayHome = () => map.plan(pose, (x, y) => x === map.dock.x && y === map.dock.y, crossed);
  const area = (): number => map.count(Cell.cleaned) * board.cellM * board.cellM;

  /** A new job from the dock (or the paused one, carried on). */
  function start(): void {
    if (mode === "paused") {
      mode = pausedFrom;
      return;
    }
    if (mode === "stuck" && device.get("error") === VacuumError.lost) throw new HearthError("busy", "it lost its place after a restart: carry it to the dock first", "start");
    if (mode !== "docked" && mode !== "stuck") throw new HearthError("busy", `already ${mode}`, "start");
    if (bin.read() === 1) throw new HearthError("busy", "the dust bin is full: empty it first", "start");
    if (!atDock()) throw new HearthError("busy", "it starts from its dock: dock it first", "start");
    map = new GridMap();
    pose = { ...map.dock, heading: 0 };
    map.set(pose.x, pose.y, toClean(pose.x, pose.y) ? Cell.cleaned : Cell.passed);
    job = { startedAt: kernel.now(), recharges: 0 };
    home = { length: 0, atMove: -Infinity };
    leftDock = { pct: batteryPct() ?? 100, moves: movesMade };
    mode = "cleaning";
    device.set("error", VacuumError.none);
  }

  function goHome(andComeBack: boolean): void {
    comeBack = andComeBack;
    mode = "returning";
  }

  /** Decides the next motion, when none is outstanding. */
  function drive(pct: number): void {
    if (mode === "recharging") {
      if (pct >= RESUME_PCT && bin.read() === 0) {
        leftDock = { pct, moves: movesMade };
        mode = "cleaning";
      }
    } else if (mode === "cleaning") {
      clean(pct);
    } else if (mode === "returning") {
      if (atDock()) {
        // On its dock it turns to face out, as a job starts: its map's frame, and the rooms drawn on it, stay the dock's.
        if (pose.heading !== 0) return send(pose.heading === 1 ? "left" : "right");
        mode = comeBack ? "recharging" : "docked";
        return;
      }
      const home = wayHome();
      if (home === undefined) fail(VacuumError.boxedIn, "no way back to the dock over the floor it knows");
      else send(home.move);
    }
  }

  /** The way home's length in cells, searched again every 20 moves; each move in between adds at most one. */
  let home = { length: 0, atMove: -Infinity };
  function cellsHome(): number {
    if (movesMade - home.atMove >= 20) home = { length: wayHome()?.length ?? 0, atMove: movesMade };
    return home.length + (movesMade - home.atMove);
  }

  function clean(pct: number): void {
    const used = movesMade - leftDock.moves;
    if (used >= 40) pctPerMove = Math.max(0.01, (leftDock.pct - pct) / used);
    const needed = cellsHome() * pctPerMove * 1.5 + RESERVE_PCT;
    if (bin.read() === 1) {
      device.emit("binFull", {});
      job.recharges++;
      return goHome(true);
    }
    if (pct <= needed) {
      log.info("vacuum", `battery ${Math.round(pct)}%: home to recharge`);
      device.emit("lowBattery", { battery: Math.round(pct) });
      job.recharges++;
      return goHome(true);
    }
    // The nearest cell to clean it has not cleaned; on the way it may cross cells it has not seen (exploring) or not to clean.
    const mask = selection();
    const next = map.plan(
      pose,
      (x, y) => {
        const cell = map.get(x, y);
        return (cell === Cell.unknown || cell === Cell.passed) && toClean(x, y, mask);
      },
      (x, y) => {
        const cell = map.get(x, y);
        return cell === Cell.cleaned || cell === Cell.passed || cell === Cell.unknown;
      },
    );
    if (next !== undefined) return send(next.move);
    device.emit("cleaningDone", { area: area(), minutes: Math.round((kernel.now() - job.startedAt) / 60_000), recharges: job.recharges });
    goHome(false);
  }

  function tick(): void {
    alive.checkIn();
    const pct = batteryPct();
    if (pct === undefined && mode !== "stuck") fail(VacuumError.batterySensor, "the battery sensor reads a rail");
    if (outstanding !== undefined && kernel.now() - outstanding.sentAt > MOTION_TIMEOUT_MS) {
      outstanding = undefined;
      fail(VacuumError.motionSilent, "the motion controller did not answer");
    }
    // Put back on its dock after being lost or stuck: ready again.
    if (mode === "stuck" && contacts.read() === 1 && pct !== undefined && outstanding === undefined) {
      map = new GridMap();
      pose = { ...map.dock, heading: 0 };
      map.set(pose.x, pose.y, Cell.cleaned);
      mode = "docked";
      device.set("error", VacuumError.none);
    }
    if (outstanding === undefined && pct !== undefined) drive(pct);
    const cleaning = mode === "cleaning" && (outstanding === undefined ? toClean(pose.x, pose.y) : outstanding.sweeping);
    brush.write(cleaning ? 1 : 0);
    suction.write(cleaning ? Math.round(SUCTION_DUTY[device.get("suction")] * (2 ** suction.resolution - 1)) : 0);
    const full = bin.read() === 1;
    if (full && !binWas && mode === "docked") device.emit("binFull", {});
    binWas = full;
    // A whole percent, changed only once it has moved by three quarters of one: no flicker at a boundary.
    const battery = pct === undefined || Math.abs(pct - device.get("battery")) < 0.75 ? device.get("battery") : Math.round(pct);
    device.update({ state: mode, battery, charging: contacts.read() === 1, binFull: full, area: area(), x: (pose.x - map.dock.x) * board.cellM, y: (pose.y - map.dock.y) * board.cellM, room: roomAt(pose.x, pose.y) });
  }

  /** Once a minute: a scheduled clean starts at its local time, once a local day. */
  function schedule(): void {
    const { scheduleOn, scheduleAt, utcOffset } = device.snapshot();
    const day = scheduledDay(time.now(), scheduleOn, scheduleAt, utcOffset);
    if (day === undefined || (storage.kv.has(SCHEDULE_KEY) && storage.kv.getNumber(SCHEDULE_KEY) === day)) return;
    storage.kv.setNumber(SCHEDULE_KEY, day);
    try {
      start();
      log.info("schedule", "scheduled clean started");
    } catch (error) {
      log.warn("schedule", `scheduled clean skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  device.handle("start", () => {
    start();
    return {};
  });
  device.handle("pause", () => {
    if (mode !== "cleaning" && mode !== "returning") throw new HearthError("busy", `nothing to pause: it is ${mode}`, "pause");
    pausedFrom = mode;
    mode = "paused";
    return {};
  });
  device.handle("dock", () => {
    if (mode === "docked" || mode === "recharging") throw new HearthError("busy", "already on the dock", "dock");
    if (mode === "stuck") throw new HearthError("busy", "it is stuck: carry it to the dock", "dock");
    goHome(false);
    return {};
  });

  update.safeToInstall(() => mode === "docked");
  update.selfTest(() => device.get("error") === VacuumError.none);
  const alive = watchdog.register("vacuum", 5 * TICK_MS + MOTION_TIMEOUT_MS);
  kernel.every(TICK_MS, tick, { task: "vacuum" });
  kernel.every(60_000, schedule, { task: "schedule" });
}
