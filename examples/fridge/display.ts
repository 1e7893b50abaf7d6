import { fridge as board } from "../../boards/fridge/index.js";
import { mirrorOnDisplay, type DisplayFrame, type FirmwareContext } from "../../sdk/index.js";
import type { FridgeModel } from "./model.js";

const led = (name: (typeof board.panel.indicators)[number]): number => 1 << board.panel.indicators.indexOf(name);

/**
 * The fridge's door display: the fridge temperature in whole degrees, the
 * mode's light, and the door alarm as a blinking "door" with its light, for as
 * long as the buzzer sounds.
 */
export function fridgeDisplay({ io, device }: Pick<FirmwareContext<FridgeModel>, "io" | "device">): void {
  mirrorOnDisplay(new io.Display({}), device, ({ fridge, mode, doorAlarm, error }): DisplayFrame => {
    const lights = (mode === "eco" ? led("eco") : mode === "quickFreeze" ? led("quickFreeze") : 0) | (doorAlarm ? led("alarm") : 0);
    return doorAlarm ? { text: "door", blink: true, indicators: lights } : error !== 0 ? { text: `E${error}`, blink: true, indicators: lights } : { text: String(Math.round(fridge)), indicators: lights };
  });
}
