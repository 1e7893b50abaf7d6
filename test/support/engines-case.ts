import { describe, expect, it } from "vitest";
import type { NativeBinding } from "../../hal/native.js";
import { XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import { H1_DATA_BUDGET } from "../../sdk/desk/sim/image-mcu.js";
import { type APPLIANCES, engineTrace } from "./engine-trace.js";

const DAY = 24 * 3_600_000;
/** One appliance's image on the Node host, QuickJS and XS: the same trace at the chip's edge, and a day on XS within the H1's data budget. */
export function engineCase(name: (typeof APPLIANCES)[number]): void {
  describe(`${name}: the same image on three engines`, () => {
    it("over a simulated day Node, QuickJS and XS give the identical pin and publish trace, XS within the H1's data budget", async () => {
      const node = await engineTrace(name, "node", DAY);
      const quickjs = await engineTrace(name, "quickjs", DAY);
      const xs = await engineTrace(name, "xs", DAY);
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
