/**
 * A firmware image for the hal benchmark: from its second second it opens one
 * more IO class each second and keeps it (a Digital output, an Analog, a PWM,
 * a ZeroCross, a Triac in burst control), so the heap between two seconds is
 * one instance's cost; then it does nothing but count.
 */
import { DigitalMode } from "../../../hal/io.js";
import { defineEngine } from "../../../sdk/runtime/engine.js";
import type { FirmwareContext } from "../../../sdk/index.js";
import { counterModel } from "../counter-app.js";

export const OPEN_ORDER = ["Digital", "Analog", "PWM", "ZeroCross", "Triac"] as const;

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
