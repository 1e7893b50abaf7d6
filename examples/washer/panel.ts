import { washer as board } from "../../boards/washer/index.js";
import { mirrorOnDisplay, type DisplayFrame, type FirmwareContext, frozen } from "../../sdk/index.js";
import { washerModel, type WasherModel } from "./model.js";
import { expectedMinutes, runFor } from "./programs.js";

const { keys, indicators } = board.panel;
const KEY = frozen(Object.fromEntries(keys.map((name, i) => [name, i])) as Record<(typeof keys)[number], number>);
const PROGRAMS = washerModel.spec.properties.program.values;
const TEMPERATURES = frozen([20, 30, 40, 60, 90] as const);
const SPINS = frozen([400, 600, 800, 1000, 1200, 1400] as const);
const RUNNING = new Set(["locking", "filling", "heating", "washing", "draining", "rinsing", "spinning"]);
const led = (name: (typeof indicators)[number]): number => 1 << indicators.indexOf(name);
const next = <T>(values: readonly T[], value: T): T => values[(values.indexOf(value) + 1) % values.length] as T;

/**
 * The washer's panel: start/pause, program, temperature and spin keys (the
 * user's writes and requests at the machine, handled as the app's are), a long
 * press on cancel; four digits with the minutes left ("End" when done) and the
 * program's light. Settings change only between runs, as the app's may not.
 */
export function washerPanel({ io, device, log }: Pick<FirmwareContext<WasherModel>, "io" | "device" | "log">, beep: () => void): void {
  mirrorOnDisplay(new io.Display({}), device, (s): DisplayFrame => {
    const lights = led(s.program) | (s.doorLocked ? led("locked") : 0) | (s.state === "heating" ? led("heating") : 0);
    return s.error !== 0
        ? { text: `E${s.error}`, blink: true, indicators: lights }
        : s.state === "done"
          ? { text: "End", indicators: lights }
          : RUNNING.has(s.state) || s.state === "paused" || s.state === "cancelling"
            ? { text: String(s.remaining), blink: s.state === "paused", indicators: lights }
            : { text: String(Math.round(expectedMinutes(runFor(s)))), indicators: lights };
  });

  const refused = (error: unknown): void => {
    log.info("panel", error instanceof Error ? error.message : String(error));
    beep();
  };
  const ask = (action: "start" | "pause" | "resume" | "cancel"): void => void device.invoke(action, {}).catch(refused);
  const press = (key: number, long: boolean): void => {
    const s = device.snapshot();
    const between = !RUNNING.has(s.state) && s.state !== "paused" && s.state !== "cancelling";
    if (key === KEY.start && !long) ask(between ? "start" : s.state === "paused" ? "resume" : "pause");
    else if (key === KEY.cancel && long) ask("cancel");
    else if (!between || long) return;
    else if (key === KEY.program) device.write({ program: next(PROGRAMS, s.program) });
    else if (key === KEY.temperature) device.write({ temperature: next(TEMPERATURES, s.temperature as (typeof TEMPERATURES)[number]) });
    else if (key === KEY.spin) device.write({ spin: next(SPINS, s.spin as (typeof SPINS)[number]) });
  };
  new io.TouchKeys({
    onReadable() {
      for (let e = this.read(); e !== undefined; e = this.read()) press(e.key, e.kind === "long");
    },
  });
}
