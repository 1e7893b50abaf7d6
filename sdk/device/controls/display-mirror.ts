import type { Display, DisplayFrame } from "../../../hal/index.js";
import type { Device } from "../device.js";
import type { ModelSpec, Props } from "../../thing/model.js";

/**
 * Keeps an appliance's display showing its device's state: `frameOf` says
 * what the state looks like, and the display is written whenever that
 * changes, and only then (each write crosses to the chip).
 */
export function mirrorOnDisplay<M extends ModelSpec>(display: Display, device: Device<M>, frameOf: (state: Props<M>) => DisplayFrame): void {
  let shown = "";
  const show = (): void => {
    const frame = frameOf(device.snapshot());
    const key = JSON.stringify(frame);
    if (key === shown) return;
    shown = key;
    display.write(frame);
  };
  device.observe({ changed: show });
  show();
}
