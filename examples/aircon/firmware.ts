import { airconIndoor, countsToCelsius } from "../../boards/aircon-indoor/index.js";
import { DigitalMode, FaultGuard, HalError, HearthError, defineRecord, field, type FirmwareContext, frozen } from "../../sdk/index.js";
import { airconCompressor } from "./compressor.js";
import { airconModel, type AirconModel } from "./model.js";
import { roomHumidity } from "./humidity.js";
import { airconPanel } from "./panel.js";
import { SelfClean } from "./self-clean.js";
import { BAND_C, resolveAuto, wantCompressor } from "./thermostat.js";

const TICK_MS = 1000;
/** Room readings are smoothed over this long before control and reporting. */
const SMOOTH_MS = 10_000;
/** Report a new room temperature only when it moved at least this far (°C). */
const ROOM_DEADBAND_C = 0.08;
/** The coil swings fast and matters less to a user: report it in coarser moves. */
const COIL_DEADBAND_C = 0.5;
/** In heat mode the fan waits for a warm coil, so nobody gets a cold draught. */
const WARM_COIL_C = 28;
const NOT_REACHED_MS = 30 * 60_000;
const FAN_DUTY = frozen({ 1: 0.4, 2: 0.65, 3: 0.9 } as const);
/** Dry mode wrings the air out down to this relative humidity (%), and starts again above the upper one. */
const DRY_DOWN_TO_PCT = 45;
const DRY_FROM_PCT = 55;
/** Error codes the unit shows and reports. */
/** The user's settings in kv, as the remote left them (the model checks each value when it comes back). */
const settingsRecord = defineRecord("aircon settings", 1, {
  power: field.bool,
  mode: field.oneOf(...airconModel.spec.properties.mode.values),
  target: field.number,
  fan: field.oneOf(...airconModel.spec.properties.fan.values),
  swing: field.bool,
});

export const AirconError = frozen({ none: 0, roomSensor: 1, coilSensor: 2, repeatedFaults: 3 } as const);

/** Air conditioner firmware for the aircon-indoor board. */
/** Where the user's settings live in the kv partition. */
export const SETTINGS_KEY = "aircon/settings";

export function aircon({ io, kernel, device, log, watchdog, storage, update }: FirmwareContext<AirconModel>): void {
  const parts = airconIndoor.parts;
  const compressor = airconCompressor(new io.Digital({ pin: parts.compressorRelay.pin, mode: DigitalMode.Output }), kernel);
  const valve = new io.Digital({ pin: parts.reversingValve.pin, mode: DigitalMode.Output });
  const louver = new io.Digital({ pin: parts.louver.pin, mode: DigitalMode.Output });
  const fan = new io.PWM({ pin: parts.indoorFan.pin, hz: parts.indoorFan.hz });
  const buzzer = new io.PWM({ pin: parts.buzzer.pin, hz: parts.buzzer.hz });
  const roomSensor = new io.Analog({ pin: parts.roomSensor.pin });
  const coilSensor = new io.Analog({ pin: parts.coilSensor.pin });
  const fanMax = 2 ** fan.resolution - 1;
  const humidity = roomHumidity(io, kernel, log);

  let room: number | undefined;
  let autoMode: "cool" | "heat" = "cool";
  let clean: SelfClean | undefined;
  /** When the unit started chasing the target; undefined once reached or not chasing. */
  let chasingSince: number | undefined;
  let notReachedSent = false;
  /** Set when repeated faults put the unit in its safe state; only a reset leaves it. */
  let safe = false;

  const setFan = (fraction: number): void => fan.write(Math.round(fraction * fanMax));

  const beep = (): void => {
    buzzer.write(fanMax >> 1);
    kernel.after(120, () => buzzer.write(0), "buzzer");
  };

  const restartChase = (): void => {
    chasingSince = undefined;
    notReachedSent = false;
  };

  /** Changes the reversing valve only while the compressor rests; returns whether it is set as wanted. */
  const valveFor = (heat: boolean): boolean => {
    if (valve.read() === (heat ? 1 : 0)) return true;
    if (compressor.running) return false;
    valve.write(heat ? 1 : 0);
    return true;
  };

  function climate(roomC: number, coilC: number): void {
    const { power, mode, target, fan: fanSetting } = device.snapshot();
    if (!power) {
      compressor.stopNow();
      setFan(0);
      return;
    }
    if (mode === "auto") autoMode = resolveAuto(roomC, target, autoMode);
    const active = mode === "auto" ? autoMode : mode;
    if (active === "fan") {
      compressor.stopNow();
    } else {
      const ready = valveFor(active === "heat");
      const rh = humidity();
      // Dry mode runs on the air's humidity, with hysteresis, never cooling the room far below the target;
      // without a reading it runs on temperature, as cool does.
      const dry = rh !== undefined && (rh > DRY_FROM_PCT || (compressor.running && rh > DRY_DOWN_TO_PCT)) && roomC > target - 2;
      const want = active === "dry" && rh !== undefined ? dry : wantCompressor(active, roomC, target, compressor.running);
      compressor.request(ready && want);
    }
    const gap = Math.abs(roomC - target);
    const speed = active === "dry" ? 1 : fanSetting === "auto" ? (gap > 2 ? 3 : gap > 1 ? 2 : 1) : fanSetting;
    setFan(active === "heat" && coilC < WARM_COIL_C ? 0 : FAN_DUTY[speed]);
  }

  function cleaning(run: SelfClean, coilC: number): void {
    valveFor(false);
    if (run.phase === "frost") {
      compressor.request(true);
      setFan(0);
    } else {
      compressor.request(false);
      setFan(1);
    }
    if (!run.step(kernel.now(), coilC, compressor.running)) {
      clean = undefined;
      device.set("cleaning", false);
    }
  }

  /** Counts how long the room has been outside the band while the unit works on it. */
  function watchTarget(roomC: number): void {
    const { power, mode, target } = device.snapshot();
    const chasing = power && clean === undefined && (mode === "cool" || mode === "heat" || mode === "auto");
    if (!chasing || Math.abs(roomC - target) <= BAND_C) {
      restartChase();
      return;
    }
    chasingSince ??= kernel.now();
    const elapsed = kernel.now() - chasingSince;
    if (!notReachedSent && elapsed >= NOT_REACHED_MS) {
      notReachedSent = true;
      device.emit("targetNotReached", { room: roomC, target, minutes: Math.floor(elapsed / 60_000) });
    }
  }

  function tick(): void {
    alive.checkIn();
    if (safe) return;
    const roomRaw = countsToCelsius(roomSensor.read());
    const coilC = countsToCelsius(coilSensor.read());
    const error = roomRaw === undefined ? AirconError.roomSensor : coilC === undefined ? AirconError.coilSensor : AirconError.none;
    if (roomRaw === undefined || coilC === undefined) {
      // A sensor we cannot trust: stop making heat or cold, and say why.
      compressor.stopNow();
      setFan(0);
      clean?.abort(`sensor error ${error}`);
      clean = undefined;
      device.update({ error, compressor: false, cleaning: false });
      return;
    }
    room = room === undefined ? roomRaw : room + (roomRaw - room) * (TICK_MS / SMOOTH_MS);
    if (clean !== undefined) cleaning(clean, coilC);
    else climate(room, coilC);
    watchTarget(room);
    device.update({
      room: moved(device.get("room"), room, ROOM_DEADBAND_C),
      coil: moved(device.get("coil"), coilC, COIL_DEADBAND_C),
      compressor: compressor.running,
      error,
    });
  }

  restoreSettings();
  louver.write(device.get("swing") ? 1 : 0);
  try {
    airconPanel({ io, device });
  } catch (error) {
    // A board with no panel (a dev board) is run from the app alone.
    if (!(error instanceof HalError) || error.code !== "io") throw error;
    log.info("panel", `no panel: ${error.message}`);
  }

  /** The user's settings come back after a power cut, as the remote left them. */
  function restoreSettings(): void {
    if (!storage.kv.has(SETTINGS_KEY)) return;
    try {
      const saved = settingsRecord.read(storage.kv, SETTINGS_KEY);
      if (saved !== undefined) device.update(saved as never); // checked against the model: a bad stored value throws, and nothing changes
    } catch (error) {
      // Settings from another firmware, or damaged: start from the defaults rather than not at all.
      log.warn("settings", `saved settings ignored: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function saveSettings(): void {
    const { power, mode, target, fan: fanSetting, swing } = device.snapshot();
    settingsRecord.write(storage.kv, SETTINGS_KEY, { power, mode, target, fan: fanSetting, swing });
  }

  const userChanged = (chase: boolean) => (): void => {
    beep();
    if (chase) restartChase();
    saveSettings();
  };
  device.onWrite("power", userChanged(true));
  device.onWrite("mode", userChanged(true));
  device.onWrite("target", userChanged(true));
  device.onWrite("fan", userChanged(false));
  device.onWrite("swing", (on) => {
    louver.write(on ? 1 : 0);
    userChanged(false)();
  });

  device.handle("selfClean", ({ dryMinutes }) => {
    if (clean !== undefined) throw new HearthError("busy", "self-clean is already running", "selfClean");
    if (device.get("error") !== 0) throw new HearthError("busy", `cannot clean with sensor error ${device.get("error")}`, "selfClean");
    clean = new SelfClean(kernel.now(), dryMinutes * 60_000);
    device.set("cleaning", true);
    return clean.done;
  });

  // Five faults in a minute: something is wrong that will not mend itself. Make no heat or cold, and say so.
  new FaultGuard(kernel, {
    limit: 5,
    windowMs: 60_000,
    enter: (recent) => {
      safe = true;
      compressor.stopNow();
      setFan(0);
      clean?.abort("repeated faults");
      clean = undefined;
      log.error("control", "repeated faults: safe state", { faults: recent.map((f) => f.task) });
      device.update({ error: AirconError.repeatedFaults, compressor: false, cleaning: false });
    },
  });
  // An update reboots the unit: never with the compressor running (its rest time would be lost) or mid-clean.
  update.safeToInstall(() => !compressor.running && clean === undefined);
  // A new image is kept only once it has read both sensors and is not in its safe state.
  update.selfTest(() => room !== undefined && device.get("error") === AirconError.none && !safe);
  const alive = watchdog.register("control", 5 * TICK_MS);
  kernel.every(TICK_MS, tick, { task: "control" });
}

/** The new value when it moved at least `deadband` from the reported one, else the reported one (the model snaps it to its step). */
function moved(reported: number, value: number, deadband: number): number {
  return Math.abs(value - reported) >= deadband ? value : reported;
}
