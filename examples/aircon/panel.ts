import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { mirrorOnDisplay, type DisplayFrame, type FirmwareContext, frozen } from "../../sdk/index.js";
import { airconModel, type AirconModel } from "./model.js";

const { keys, indicators } = airconIndoor.panel;
const KEY = frozen(Object.fromEntries(keys.map((name, i) => [name, i])) as Record<(typeof keys)[number], number>);
const MODES = airconModel.spec.properties.mode.values;
const FANS = airconModel.spec.properties.fan.values;
const { min, max, step } = airconModel.spec.properties.target;
const led = (name: (typeof indicators)[number]): number => 1 << indicators.indexOf(name);

/**
 * The indoor unit's panel: six keys and four digits. A key is the user
 * writing a setting here instead of from the app: the same write, checked and
 * handled the same way, and the cloud sees it as it sees any change. Off, only
 * the power key works; up and down repeat while held.
 */
export function airconPanel({ io, device }: Pick<FirmwareContext<AirconModel>, "io" | "device">): void {
  mirrorOnDisplay(new io.Display({}), device, ({ power, mode, target, swing, compressor, error }): DisplayFrame =>
    error !== 0
      ? { text: `E${error}`, blink: true }
      : !power
        ? { text: "" }
        : { text: Number.isInteger(target) ? String(target) : target.toFixed(1), indicators: led(mode) | (swing ? led("swing") : 0) | (compressor ? led("compressor") : 0) },
  );

  const press = (key: number): void => {
    const { power, mode, target, fan, swing } = device.snapshot();
    if (key === KEY.power) return device.write({ power: !power });
    if (!power) return;
    if (key === KEY.mode) device.write({ mode: MODES[(MODES.indexOf(mode) + 1) % MODES.length] as typeof mode });
    else if (key === KEY.up && target + step <= max) device.write({ target: target + step });
    else if (key === KEY.down && target - step >= min) device.write({ target: target - step });
    else if (key === KEY.fan) device.write({ fan: FANS[(FANS.indexOf(fan) + 1) % FANS.length] as typeof fan });
    else if (key === KEY.swing) device.write({ swing: !swing });
  };
  new io.TouchKeys({
    repeatKeys: (1 << KEY.up) | (1 << KEY.down),
    onReadable() {
      for (let e = this.read(); e !== undefined; e = this.read()) if (e.kind === "press" || e.kind === "repeat" || (e.kind === "long" && (e.key === KEY.up || e.key === KEY.down))) press(e.key);
    },
  });
}
