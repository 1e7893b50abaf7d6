import { describe, expect, it } from "vitest";
import type { NativeBinding } from "../../hal/native.js";
import { XsMcu } from "../../sdk/node/xs/xs-mcu.js";
import { H1_DATA_BUDGET } from "../../sdk/sim/image-mcu.js";
import { type APPLIANCES, engineTrace } from "./engine-trace.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * How long the three engines' traces are compared: a simulated day, but for
 * the washer and the vacuum (which cross into the chip some 80,000 times a
 * simulated hour) a whole program and a whole clean, 4 h, to keep CI short.
 * XS runs every appliance for the whole day.
 */
export const COMPARED: Record<(typeof APPLIANCES)[number], number> = { aircon: DAY, fridge: DAY, washer: 4 * HOUR, vacuum: 4 * HOUR };

/** One appliance's image on the Node host, QuickJS and XS: the same trace at the chip's edge, and a day on XS within the H1's data budget. */
export function engineCase(name: (typeof APPLIANCES)[number]): void {
  describe(`${name}: the same image on three engines`, () => {
    it(`a simulated day on XS within the H1's data budget; Node, QuickJS and XS give the identical pin and publish trace over ${COMPARED[name] / HOUR} simulated hours`, async () => {
      const node = await engineTrace(name, "node", COMPARED[name]);
      const quickjs = await engineTrace(name, "quickjs", COMPARED[name]);
      const xs = await engineTrace(name, "xs", DAY, { checkpointMs: COMPARED[name] });
      expect(node.lines, "the appliance did something at its pins and on the link").toBeGreaterThan(100);
      expect({ quickjs: quickjs.hash, xs: xs.checkpointHash }).toEqual({ quickjs: node.hash, xs: node.hash });
      expect(xs.board.resets).toEqual([]);
      expect(xs.heap?.peakDataBytes).toBeGreaterThan(0);
      expect(xs.heap?.peakDataBytes).toBeLessThanOrEqual(H1_DATA_BUDGET);
    }, 900_000);
  });
}

/** A native binding that reads every analog input one count high: a deliberate difference in one engine's binding. */
export function offByOne(native: NativeBinding): NativeBinding {
  return new Proxy(native, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (key === "ioRead") return (handle: number) => {
        const read = target.ioRead(handle);
        return typeof read === "number" && read > 1 ? read + 1 : read;
      };
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** An XS MCU with the off-by-one binding. */
export const skewedXs = (hooks: { onCrash(cause: string): void }) => {
  const mcu = new XsMcu({}, hooks);
  const start = mcu.start.bind(mcu);
  mcu.start = (native) => start(offByOne(native));
  return mcu;
};
