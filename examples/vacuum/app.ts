import { vacuum as board } from "../../boards/vacuum/index.js";
import { FloorPlant } from "../../boards/vacuum/plant.js";
import { defineApp, statusLine } from "../../sdk/desk/sim/index.js";
import { vacuum } from "./firmware.js";
import { vacuumDefaults, vacuumModel } from "./model.js";

/** The robot vacuum as the simulator runs it: charged, on its dock in a two-room flat; start it from the cloud or the console. */
export const app = defineApp({
  name: "vacuum",
  firmwareVersion: "1.0.0",
  boardId: board.id,
  model: vacuumModel,
  initial: vacuumDefaults,
  firmware: vacuum,
  createPlant: (h1, random) => new FloorPlant(h1, random),
  chart: ["batteryPct", "coveragePct", "binG"],
  status: (s, r) =>
    statusLine([
      s.state,
      `battery ${s.battery}%${s.charging ? " charging" : ""}`,
      `suction ${s.suction}`,
      `cleaned ${s.area.toFixed(1)} m² (${(r["coveragePct"] ?? 0).toFixed(0)}% of the floor)`,
      s.binFull ? "BIN FULL" : "",
      s.error !== 0 ? `ERROR E${s.error}` : "",
    ]),
});
