import { fridge as board } from "../../boards/fridge/index.js";
import { CabinetPlant } from "../../boards/fridge/plant.js";
import { defineApp, oneDecimal, shown, statusLine } from "../../sdk/desk/sim/index.js";
import { fridge } from "./firmware.js";
import { fridgeDefaults, fridgeModel } from "./model.js";

/** The fridge-freezer as the simulator runs it: a stocked cabinet in a 22 °C kitchen, 4 °C and -18 °C. */
export const app = defineApp({
  name: "fridge",
  firmwareVersion: "1.0.0",
  boardId: board.id,
  model: fridgeModel,
  initial: fridgeDefaults,
  firmware: fridge,
  panel: board.panel,
  createPlant: (h1, random) => new CabinetPlant(h1, random),
  chart: ["fridgeC", "fridgeFoodC", "freezerC", "fridgeTarget (reported)", "doorOpen (reported)", "doorAlarm (reported)"],
  status: (s, r) =>
    statusLine([
      `fridge ${oneDecimal(r["fridgeC"])} °C → ${s.fridgeTarget}`,
      `freezer ${oneDecimal(r["freezerC"])} °C → ${s.freezerTarget}`,
      s.error !== 0 ? `ERROR ${shown(fridgeModel, s, "error")}` : "",
      s.doorOpen ? (s.doorAlarm ? "DOOR ALARM" : "door open") : "",
      shown(fridgeModel, s, "mode"),
      `compressor ${s.compressor ? "ON " : "off"}`,
      s.defrosting ? "defrosting" : "",
    ]),
});
