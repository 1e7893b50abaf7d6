import { describe, expect, it } from "vitest";
import type { NativeBinding } from "../../hal/native.js";
import { XsMcu } from "../../sdk/node/xs/xs-mcu.js";
import { H1_DATA_BUDGET } from "../../sdk/sim/image-mcu.js";
import { type APPLIANCES, engineTrace } from "./engine-trace.js";

const HOUR = 3_600_000;
/**
 * How long each appliance runs on all three engines: a simulated day where XS
 * takes about a minute or less; the washer and the vacuum, which cross into
 * the chip some 80,000 times a simulated hour, run a whole program and a whole
 * clean (4 h): a day of them on XS is 4 to 6 minutes here.
 */
export const SPAN: Record<(typeof APPLIANCES)[number], number> = { aircon: 24 * HOUR, fridge: 24 * HOUR, washer: 4 * HOUR, vacuum: 4 * HOUR };

/** One appliance's image on the Node host, QuickJS and XS: the same trace at the chip's edge, and XS within the H1's data budget. */
export function engineCase(name: (typeof APPLIANCES)[number]): void {
  describe(`${name}: the same image on three engines`, () => {
    it(`Node, QuickJS and XS give the identical pin and publish trace over ${SPAN[name] / HOUR} simulated hours; XS stays within the H1's data budget`, async () => {
      const node = await engineTrace(name, "node", SPAN[name]);
      const quickjs = await engineTrace(name, "quickjs", SPAN[name]);
      const xs = await engineTrace(name, "xs", SPAN[name]);
      expect(node.lines, "the appliance did something at its pins and on the link").toBeGreaterThan(100);
      expect({ quickjs: quickjs.hash, xs: xs.hash }).toEqual({ quickjs: node.hash, xs: node.hash });
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
