import { vacuum as board } from "../../boards/vacuum/index.js";
import { FloorPlant } from "../../boards/vacuum/plant.js";
import { defineApp, shown, statusLine } from "../../sdk/desk/sim/index.js";
import { vacuum } from "./firmware.js";
import { vacuumDefaults, vacuumModel, vacuumModelV1 } from "./model.js";

/** The robot vacuum as the simulator runs it: charged, on its dock in a two-room flat; start it from the cloud or the console. */
export const app = defineApp({
  name: "vacuum",
  firmwareVersion: "1.1.0",
  boardId: board.id,
  model: vacuumModel,
  earlierModels: [vacuumModelV1],
  initial: vacuumDefaults,
  firmware: vacuum,
  createPlant: (h1, random) => new FloorPlant(h1, random),
  chart: ["batteryPct", "coveragePct", "binG"],
  status: (s, r) =>
    statusLine([
      shown(vacuumModel, s, "state"),
      s.error !== 0 ? `ERROR ${shown(vacuumModel, s, "error")}` : "",
      s.binFull ? "BIN FULL" : "",
      `battery ${s.battery}%${s.charging ? " charging" : ""}`,
      `cleaned ${s.area.toFixed(1)} m² (${(r["coveragePct"] ?? 0).toFixed(0)}% of the floor)`,
      `suction ${shown(vacuumModel, s, "suction")}`,
    ]),
});
