import { washer as board } from "../../boards/washer/index.js";
import { DrumPlant } from "../../boards/washer/plant.js";
import { defineApp, oneDecimal, shown, statusLine } from "../../sdk/desk/sim/index.js";
import { encodeCalibration } from "./calibration.js";
import { washer } from "./firmware.js";
import { washerDefaults, washerModel, washerModelV1 } from "./model.js";

/** The washer as the simulator runs it: loaded, door shut, cotton at 40 °C set; start it from the cloud or the console. */
export const app = defineApp({
  name: "washer",
  firmwareVersion: "1.1.0",
  boardId: board.id,
  model: washerModel,
  earlierModels: [washerModelV1],
  initial: washerDefaults,
  firmware: washer,
  panel: board.panel,
  // The factory calibrated this board's pressure sensor: 41 counts on an empty drum.
  createPlant: (h1, random) => new DrumPlant(h1, random, { calibration: encodeCalibration({ offsetCounts: 41, fullScaleL: board.fullScaleL }) }),
  chart: ["waterL", "waterC", "rpm"],
  status: (s, r) =>
    statusLine([
      `${shown(washerModel, s, "program")} ${s.temperature} °C ${s.spin} rpm`,
      shown(washerModel, s, "state"),
      s.error !== 0 ? `ERROR ${shown(washerModel, s, "error")}` : "",
      s.remaining > 0 ? `${s.remaining} min left` : "",
      s.doorLocked ? "locked" : s.doorOpen ? "door open" : "unlocked",
      `water ${oneDecimal(r["waterL"])} L ${oneDecimal(r["waterC"])} °C`,
      `drum ${Math.round(r["rpm"] ?? 0)} rpm`,
    ]),
});
