import { ntcCelsius } from "../../boards/components/ntc.js";
import { fridge as board } from "../../boards/fridge/index.js";
import { CompressorGuard, DigitalMode, HalError, HearthError, defineRecord, field, type FirmwareContext, frozen } from "../../sdk/index.js";
import { Defrost } from "./defrost.js";
import { fridgeDisplay } from "./display.js";
import type { FridgeModel } from "./model.js";

const TICK_MS = 1000;
/** Compressor protection: five minutes' rest lets the pressures equalise; three minutes' run returns the oil. */
/** The user's settings in kv (the model checks each value when it comes back). */
const settingsRecord = defineRecord("fridge settings", 1, { fridgeTarget: field.number, freezerTarget: field.number, mode: field.text });

export const MIN_OFF_MS = 5 * 60_000;
export const MIN_ON_MS = 3 * 60_000;
/** Each compartment cools to its target minus this, then rests until it is this much above it. */
const BAND_C = frozen({ fridge: 1, freezer: 1.5 } as const);
export const DOOR_ALARM_MS = 120_000;
const QUICK_FREEZE_MS = 3 * 3_600_000;
const QUICK_FREEZE_FLOOR_C = -28;
/** With the freezer's sensor failed, cool on a timer: this much running in each hour. */
const LIMP_RUN_MS = 20 * 60_000;
/** The compressor run time toward the next defrost, kept across power cuts. */
export const RUN_KEY = "fridge/run-since-defrost";
const SETTINGS_KEY = "fridge/settings";
export const FridgeError = frozen({ none: 0, fridgeSensor: 1, freezerSensor: 2, evaporatorSensor: 3 } as const);

/** Fridge-freezer firmware for the fridge board. */
export function fridge({ io, kernel, device, log, watchdog, storage, update }: FirmwareContext<FridgeModel>): void {
  const parts = board.parts;
  const output = (pin: number) => new io.Digital({ pin, mode: DigitalMode.Output });
  const compressor = new CompressorGuard(output(parts.compressor.pin), kernel, { minOffMs: MIN_OFF_MS, minOnMs: MIN_ON_MS });
  const fan = output(parts.fan.pin);
  const heater = output(parts.defrostHeater.pin);
  const damper = output(parts.damper.pin);
  const buzzer = new io.PWM({ pin: parts.buzzer.pin, hz: parts.buzzer.hz });
  const door = new io.Digital({ pin: parts.doorSwitch.pin, mode: DigitalMode.Input });
  const sensor = (pin: number) => {
    const adc = new io.Analog({ pin });
    return () => ntcCelsius(board.thermistor, adc.read());
  };
  const readFridge = sensor(parts.fridgeSensor.pin);
  const readFreezer = sensor(parts.freezerSensor.pin);
  const readEvaporator = sensor(parts.evaporatorSensor.pin);

  const defrost = new Defrost(storage.kv.has(RUN_KEY) ? storage.kv.getNumber(RUN_KEY) : 0);
  const asked: ((minutes: number) => void)[] = [];
  const wants = { fridge: false, freezer: false };
  let doorOpenedAt: number | undefined;
  let alarmSent = false;
  let quickSince: number | undefined;
  let lastSavedRun = defrost.runSinceMs;
  restoreSettings();

  /** Hysteresis: start above target + band, stop below target - band. */
  const hysteresis = (want: boolean, c: number, target: number, band: number): boolean => (want ? c > target - band : c > target + band);

  function cool(fridgeC: number | undefined, freezerC: number | undefined, evaporatorC: number | undefined): void {
    const { fridgeTarget, freezerTarget, mode } = device.snapshot();
    const eco = mode === "eco";
    wants.freezer =
      freezerC === undefined
        ? kernel.now() % 3_600_000 < LIMP_RUN_MS
        : mode === "quickFreeze" || hysteresis(wants.freezer, freezerC, freezerTarget + (eco ? 2 : 0), BAND_C.freezer);
    // A failed fridge sensor: open the damper whenever the freezer cools, which keeps the fridge roughly right.
    wants.fridge = fridgeC === undefined ? wants.freezer : hysteresis(wants.fridge, fridgeC, fridgeTarget + (eco ? 1 : 0), BAND_C.fridge);
    const running = compressor.request(wants.freezer || wants.fridge);
    const shut = door.read() === 1;
    // The fan waits for a cold evaporator (no warm blast after a defrost) and stops while the door is open.
    const coldEnough = evaporatorC === undefined || freezerC === undefined || evaporatorC < freezerC;
    fan.write(running && shut && coldEnough ? 1 : 0);
    damper.write(wants.fridge ? 1 : 0);
    heater.write(0);
  }

  function defrosting(evaporatorC: number | undefined): void {
    compressor.stopNow();
    fan.write(0);
    damper.write(0);
    heater.write(defrost.phase === "heat" ? 1 : 0);
    const minutes = defrost.step(kernel.now(), evaporatorC);
    if (minutes === undefined) return;
    heater.write(0);
    storage.kv.setNumber(RUN_KEY, 0);
    lastSavedRun = 0;
    device.emit("defrostDone", { minutes, asked: defrost.asked });
    for (const answer of asked.splice(0)) answer(minutes);
  }

  function watchDoor(): boolean {
    const open = door.read() === 0;
    if (!open) {
      doorOpenedAt = undefined;
      alarmSent = false;
      buzzer.write(0);
      return false;
    }
    doorOpenedAt ??= kernel.now();
    const openMs = kernel.now() - doorOpenedAt;
    if (openMs >= DOOR_ALARM_MS) {
      if (!alarmSent) {
        alarmSent = true;
        log.warn("door", "open two minutes: alarm");
        device.emit("doorLeftOpen", { seconds: Math.round(openMs / 1000) });
      }
      // Beep a second in every four.
      buzzer.write(openMs % 4000 < 1000 ? 2 ** (buzzer.resolution - 1) : 0);
    }
    return openMs >= DOOR_ALARM_MS;
  }

  function quickFreeze(freezerC: number | undefined): void {
    if (device.get("mode") !== "quickFreeze") {
      quickSince = undefined;
      return;
    }
    quickSince ??= kernel.now();
    if (kernel.now() - quickSince >= QUICK_FREEZE_MS || (freezerC !== undefined && freezerC <= QUICK_FREEZE_FLOOR_C)) {
      quickSince = undefined;
      device.set("mode", "normal");
      device.emit("quickFreezeDone", { freezer: freezerC ?? 0 });
      saveSettings();
    }
  }

  function tick(): void {
    alive.checkIn();
    const fridgeC = readFridge();
    const freezerC = readFreezer();
    const evaporatorC = readEvaporator();
    const error = fridgeC === undefined ? FridgeError.fridgeSensor : freezerC === undefined ? FridgeError.freezerSensor : evaporatorC === undefined ? FridgeError.evaporatorSensor : FridgeError.none;
    if (compressor.running) defrost.ran(TICK_MS);
    if (defrost.runSinceMs - lastSavedRun >= 10 * 60_000) {
      // Counted in flash every ten minutes of running, so power cuts do not put defrosts off for ever.
      storage.kv.setNumber(RUN_KEY, defrost.runSinceMs);
      lastSavedRun = defrost.runSinceMs;
    }
    // A defrost (due, or asked for) begins once the compressor may stop: never inside its minimum run.
    if (!defrost.active && (defrost.due || asked.length > 0) && !compressor.request(false)) {
      log.info("defrost", asked.length > 0 ? "asked for" : `due after ${Math.round(defrost.runSinceMs / 60_000)} min of running`);
      defrost.start(kernel.now(), asked.length > 0);
    }
    quickFreeze(freezerC);
    if (defrost.active) defrosting(evaporatorC);
    else cool(fridgeC, freezerC, evaporatorC);
    const alarm = watchDoor();
    device.update({
      ...(fridgeC === undefined ? {} : { fridge: moved(device.get("fridge"), fridgeC) }),
      ...(freezerC === undefined ? {} : { freezer: moved(device.get("freezer"), freezerC) }),
      compressor: compressor.running,
      fan: fan.read() === 1,
      defrosting: defrost.active,
      doorOpen: door.read() === 0,
      doorAlarm: alarm,
      error,
    });
  }

  function restoreSettings(): void {
    if (!storage.kv.has(SETTINGS_KEY)) return;
    try {
      const saved = settingsRecord.read(storage.kv, SETTINGS_KEY);
      if (saved !== undefined) device.update(saved as never); // checked against the model: a bad value throws
    } catch (error) {
      log.warn("settings", `saved settings ignored: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function saveSettings(): void {
    const { fridgeTarget, freezerTarget, mode } = device.snapshot();
    settingsRecord.write(storage.kv, SETTINGS_KEY, { fridgeTarget, freezerTarget, mode });
  }

  device.onWrite("fridgeTarget", saveSettings);
  device.onWrite("freezerTarget", saveSettings);
  device.onWrite("mode", saveSettings);
  device.handle("defrost", () => {
    if (device.get("error") === FridgeError.evaporatorSensor) throw new HearthError("busy", "cannot defrost on time alone with the evaporator sensor failed", "defrost");
    return new Promise<{ minutes: number }>((resolve) => asked.push((minutes) => resolve({ minutes })));
  });

  update.safeToInstall(() => !compressor.running && !defrost.active);
  try {
    fridgeDisplay({ io, device });
  } catch (error) {
    // A board with no display (a dev board) is run from the app alone.
    if (!(error instanceof HalError) || error.code !== "io") throw error;
    log.info("panel", `no display: ${error.message}`);
  }
  update.selfTest(() => device.get("error") === FridgeError.none);
  const alive = watchdog.register("cooling", 5 * TICK_MS);
  kernel.every(TICK_MS, tick, { task: "cooling" });
}

/** Reported only once it moved 0.2 °C (the model snaps it to 0.1 °C): the sensors' noise is not news. */
function moved(reported: number, value: number): number {
  return Math.abs(value - reported) >= 0.2 ? value : reported;
}
