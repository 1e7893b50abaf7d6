import { app as aircon } from "../../examples/aircon/app.js";
import { defineApp } from "../../sdk/desk/sim/index.js";

/** The air conditioner, whose first boot locks up in a synchronous loop 20 s after power-on. */
export const app = defineApp({
  ...aircon,
  firmware: (ctx) => {
    aircon.firmware(ctx);
    if (ctx.boot.resetReason !== "powerOn") return;
    ctx.kernel.after(20_000, () => {
      for (;;) {
        // A bug: spins forever. Only the hardware watchdog gets the appliance out of here.
      }
    });
  },
});
