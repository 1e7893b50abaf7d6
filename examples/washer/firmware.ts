import { ntcCelsius } from "../../boards/components/ntc.js";
import { washer as board } from "../../boards/washer/index.js";
import { DigitalMode, HalError, HearthError, type FirmwareContext } from "../../sdk/index.js";
import { WashCycle, WasherFault, type Sensed } from "./cycle.js";
import { openDrum } from "./drum.js";
import { readCalibration } from "./calibration.js";
import type { WasherModel } from "./model.js";
import { expectedMinutes, planText, runFor, type Run } from "./programs.js";
import { washerPanel } from "./panel.js";
import { decodeProgress, encodeProgress } from "./progress.js";

const TICK_MS = 500;
/** Half-cycles of the heater's burst pattern: 10 mains cycles, 200 ms at 50 Hz. */
const HEATER_PERIOD = 20;
/** Within this of the target the element runs at half power, so the water does not overshoot. */
const GENTLE_HEAT_K = 5;
/** Where a run in progress is kept, so a power cut resumes it. */
export const PROGRESS_KEY = "washer/run";

/** Front-loader firmware for the washer board. */
export function washer({ io, kernel, device, log, watchdog, storage, update }: FirmwareContext<WasherModel>): void {
  const parts = board.parts;
  const output = (pin: number) => new io.Digital({ pin, mode: DigitalMode.Output });
  const input = (pin: number) => new io.Digital({ pin, mode: DigitalMode.Input });
  const lock = output(parts.doorLock.pin);
  const inlet = output(parts.inletValve.pin);
  const drain = output(parts.drainPump.pin);
  const heater = new io.Triac({ pin: parts.heater.pin });
  let heaterShare = -1;
  /** The element in burst control: whole mains cycles, `share` of them, spread evenly by the chip (no firmware work per cycle). */
  const heat = (share: number): void => {
    if (share === heaterShare) return;
    heaterShare = share;
    heater.write(share <= 0 ? { mode: "off" } : { mode: "burst", on: Math.round(share * (HEATER_PERIOD / 2)) * 2, period: HEATER_PERIOD });
  };
  const lockConfirm = input(parts.lockConfirm.pin);
  const doorSwitch = input(parts.doorSwitch.pin);
  const buzzer = new io.PWM({ pin: parts.buzzer.pin, hz: parts.buzzer.hz });
  const level = new io.Analog({ pin: parts.waterLevel.pin });
  const temp = new io.Analog({ pin: parts.waterTemp.pin });
  const buzzerMax = 2 ** buzzer.resolution - 1;
  const adcMax = 2 ** level.resolution - 1;

  const beep = (): void => {
    buzzer.write(buzzerMax >> 1);
    kernel.after(300, () => buzzer.write(0), "buzzer");
  };

  const calibration = readCalibration(io, log);
  const cycle = new WashCycle({
    save: (progress) => {
      if (progress === undefined) storage.kv.delete(PROGRESS_KEY);
      else storage.kv.setCbor(PROGRESS_KEY, encodeProgress(progress));
    },
    fault: (code) => {
      log.error("cycle", `fault ${code} in ${cycle.state}`);
      device.set("error", code);
      device.emit("fault", { code });
      beep();
    },
    imbalance: (tries, spin) => {
      log.warn("cycle", `load unbalanced after ${tries} tries: spin lowered to ${spin} rpm`);
      device.emit("imbalance", { tries, spin });
    },
    finished: (minutes, spin) => {
      device.emit("finished", { minutes, spin });
      beep();
    },
  });

  const drum = openDrum(io, log, (fault) => {
    // The controller stopped the drum: hold the program where it is (the door stays locked over water) and say why.
    log.error("drum", `motor ${fault}: the drum is stopped`);
    device.set("error", WasherFault.drumMotor);
    device.emit("fault", { code: WasherFault.drumMotor });
    if (cycle.running && cycle.state !== "cancelling") cycle.dispatch({ kind: "pause" });
    beep();
  });

  cycle.begin(restore());
  if (cycle.progress !== undefined) log.info("cycle", `resuming ${cycle.progress.run.program} at ${cycle.progress.stage}`);

  /** A run a power cut interrupted, or undefined; a damaged record is dropped rather than trusted. */
  function restore() {
    if (!storage.kv.has(PROGRESS_KEY)) return undefined;
    try {
      return decodeProgress(storage.kv.getCbor(PROGRESS_KEY));
    } catch (error) {
      log.warn("cycle", `saved run dropped: ${error instanceof Error ? error.message : String(error)}`);
      storage.kv.delete(PROGRESS_KEY);
      return undefined;
    }
  }

  function sense(): Sensed {
    return {
      waterL: Math.max(0, ((level.read() - calibration.offsetCounts) / adcMax) * calibration.fullScaleL),
      waterC: ntcCelsius(board.thermistor, temp.read()),
      ...drum.sense(),
      locked: lockConfirm.read() === 1,
      doorShut: doorSwitch.read() === 1,
    };
  }

  // The plan's text, made once per run: a string a tick would make is garbage an MCU's collector must sweep.
  let planned: { run: Run; text: string } | undefined;
  function planOf(run: Run): string {
    if (planned?.run !== run) planned = { run, text: planText(run) };
    return planned.text;
  }

  function tick(dtMs = TICK_MS): void {
    alive.checkIn();
    const sensed = sense();
    cycle.dispatch({ kind: "tick", dtMs, sensed });
    const out = cycle.out;
    // Water and heat only ever behind a locked door; the heater only over water.
    const safe = sensed.locked && sensed.doorShut;
    inlet.write(out.inlet && safe ? 1 : 0);
    const target = cycle.progress?.run.temperatureC ?? 0;
    heat(!out.heater || !safe ? 0 : sensed.waterC !== undefined && sensed.waterC > target - GENTLE_HEAT_K ? 0.5 : 1);
    drain.write(out.drain ? 1 : 0);
    drum.drive(safe ? out.drumRpm : 0);
    lock.write(cycle.mustLock ? 1 : 0);
    const p = cycle.progress;
    device.update({
      state: cycle.state,
      remaining: p === undefined || !cycle.running ? 0 : Math.max(0, Math.ceil(expectedMinutes(p.run) - p.elapsedMs / 60_000)),
      water: sensed.waterL,
      ...(sensed.waterC === undefined ? {} : { waterTemp: Math.min(100, Math.max(0, sensed.waterC)) }),
      drumRpm: Math.round(sensed.rpm / 10) * 10,
      doorLocked: sensed.locked,
      doorOpen: !sensed.doorShut,
      ...(p === undefined ? {} : { plan: planOf(p.run) }),
    });
  }

  device.handle("start", () => {
    if (cycle.running || cycle.state === "paused") throw new HearthError("busy", `a program is already ${cycle.state}`, "start");
    if (doorSwitch.read() !== 1) throw new HearthError("busy", "the door is open: shut it first", "start");
    const run = runFor(device.snapshot());
    device.set("error", 0);
    cycle.start(run);
    beep();
    return { minutes: Math.round(expectedMinutes(run)) };
  });
  device.handle("pause", () => {
    if (!cycle.running || cycle.state === "cancelling") throw new HearthError("busy", `nothing to pause: the washer is ${cycle.state}`, "pause");
    cycle.dispatch({ kind: "pause" });
    return {};
  });
  device.handle("resume", () => {
    if (cycle.state !== "paused") throw new HearthError("busy", `nothing to resume: the washer is ${cycle.state}`, "resume");
    if (doorSwitch.read() !== 1) throw new HearthError("busy", "the door is open: shut it first", "resume");
    device.set("error", 0);
    cycle.dispatch({ kind: "resume" });
    return {};
  });
  device.handle("cancel", () => {
    if (!cycle.running && cycle.state !== "paused") throw new HearthError("busy", `nothing to cancel: the washer is ${cycle.state}`, "cancel");
    cycle.dispatch({ kind: "cancel" });
    return {};
  });

  try {
    washerPanel({ io, device, log }, beep);
  } catch (error) {
    // A board with no panel (a dev board) is run from the app alone.
    if (!(error instanceof HalError) || error.code !== "io") throw error;
    log.info("panel", `no panel: ${error.message}`);
  }

  // An update reboots the MCU: only between runs, with the drum still and empty.
  update.safeToInstall(() => !cycle.running && cycle.state !== "paused" && !cycle.mustLock);
  update.selfTest(() => device.get("error") === 0);
  const alive = watchdog.register("cycle", 5 * TICK_MS);
  // The outputs are set at once (the latching lock above all): an undecided low would unlock the door.
  tick(0);
  kernel.every(TICK_MS, () => tick(), { task: "cycle" });
}
