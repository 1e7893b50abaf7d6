/**
 * A firmware image for the hal benchmark: from its second second it opens one
 * more IO class each second and keeps it (a Digital output, an Analog, a PWM,
 * a ZeroCross, a Triac in burst control, the Motor turning, the Display
 * showing digits, TouchKeys, an I2C device, an SPI device), so the heap
 * between two seconds is one instance's cost; then it does nothing but count.
 */
import { DigitalMode } from "../../../hal/io.js";
import { defineEngine } from "../../../sdk/device/runtime/engine.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import { counterModel } from "../counter-app.js";

export const OPEN_ORDER = ["Digital", "Analog", "PWM", "ZeroCross", "Triac", "Motor", "Display", "TouchKeys", "I2C", "SPI"] as const;

export function firmware({ io, kernel, device }: FirmwareContext<typeof counterModel.spec>): void {
  const kept: unknown[] = [];
  const open = [
    () => new io.Digital({ pin: 12, mode: DigitalMode.Output }),
    () => new io.Analog({ pin: 24 }),
    () => new io.PWM({ pin: 20, hz: 1000 }),
    () => new io.ZeroCross({ pin: 10, onReadable: () => undefined }),
    () => {
      const triac = new io.Triac({ pin: 19 });
      triac.write({ mode: "burst", on: 10, period: 20 });
      return triac;
    },
    () => {
      const motor = new io.Motor({ rampRpmPerS: 100 });
      motor.write({ rpm: 300 });
      return motor;
    },
    () => {
      const display = new io.Display({});
      display.write({ text: "12.3", indicators: 1 });
      return display;
    },
    () => new io.TouchKeys({ onReadable: () => undefined }),
    () => new io.I2C({ data: 4, clock: 5, hz: 100_000, address: 0x44 }),
    () => new io.SPI({ out: 6, in: 7, clock: 8, select: 9, hz: 1_000_000 }),
  ];
  let step = 0;
  kernel.every(1000, () => {
    const next = open[step++];
    if (next !== undefined) kept.push(next());
    device.set("n", device.get("n") + 1);
  }, { task: "open" });
}
export const model = counterModel;
export const initial = { n: 0, label: "", level: 0, runs: 0 };
export const engine = defineEngine({ firmware, model: counterModel, initial });
