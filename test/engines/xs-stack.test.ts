import { describe, expect, it } from "vitest";
import { XS_STACK_SLOTS } from "../../sdk/desk/node/xs/xs-mcu.js";
import { APPLIANCES } from "../support/engine-trace.js";
import { bootAndUpdateOnXs } from "../support/deep-paths.js";
import { app as aircon } from "../../examples/aircon/app.js";
import { app as fridge } from "../../examples/fridge/app.js";
import { app as vacuum } from "../../examples/vacuum/app.js";
import { app as washer } from "../../examples/washer/app.js";

/** Each example's firmware version: its update is the same example one patch up. */
const VERSIONS: Record<string, string> = { aircon: aircon.firmwareVersion, fridge: fridge.firmwareVersion, vacuum: vacuum.firmwareVersion, washer: washer.firmwareVersion };

/** 40 % headroom: the deepest paths must fit in 60 % of the stack the manifest gives. */
const WITH_HEADROOM = Math.floor(XS_STACK_SLOTS * 0.6);

describe("the XS stack: every image keeps 40 % headroom over the manifest's stack", () => {
  for (const name of APPLIANCES) {
    it(`${name}: boot, an hour of work and an update (download, check, trial boot, confirmation) in ${WITH_HEADROOM} of ${XS_STACK_SLOTS} slots`, async () => {
      const [major, minor, patch] = (VERSIONS[name] as string).split(".").map(Number) as [number, number, number];
      // The update is the same example one patch up (deep-paths.ts): it runs once the device confirmed it.
      expect(await bootAndUpdateOnXs(name, WITH_HEADROOM)).toEqual({ crashes: [], update: "done", firmware: `${major}.${minor}.${patch + 1}` });
    }, 120_000);
  }

  it("the stack is the chip's: an image given too little stops with a stack overflow, as on the chip", async () => {
    const run = await bootAndUpdateOnXs("aircon", 400);
    expect(run.crashes[0]).toBe("stack overflow");
    expect(run.update).not.toBe("done");
  }, 120_000);
});
