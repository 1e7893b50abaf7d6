import { app as aircon } from "../../examples/aircon/app.js";

// A host busy enough that loading the app takes 1.5 s of real time: that is not the MCU hanging.
await new Promise((resolve) => setTimeout(resolve, 1500));

/** The air conditioner, slow to load. */
export const app = aircon;
