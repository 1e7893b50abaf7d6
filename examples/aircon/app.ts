import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { RoomPlant } from "../../boards/aircon-indoor/plant.js";
import { defineApp, oneDecimal, shown, statusLine } from "../../sdk/desk/sim/index.js";
import { aircon } from "./firmware.js";
import { airconDefaults, airconModel } from "./model.js";

/** The air conditioner as the simulator runs it: powered on, cooling a warm room to 24 °C. */
export const app = defineApp({
  name: "aircon",
  firmwareVersion: "1.0.0",
  boardId: airconIndoor.id,
  model: airconModel,
  initial: { ...airconDefaults, power: true, mode: "cool", target: 24 },
  firmware: aircon,
  panel: airconIndoor.panel,
  createPlant: (h1, random) => new RoomPlant(h1, random, { startC: 30, outdoorC: 32 }),
  chart: ["roomC", "coilC", "target (reported)", "compressor (reported)"],
  status: (s, r) =>
    statusLine([
      `room ${oneDecimal(r["roomC"])} °C → ${s.target.toFixed(1)} °C`,
      s.error !== 0 ? `ERROR ${shown(airconModel, s, "error")}` : "",
      s.power ? shown(airconModel, s, "mode") : "off",
      `compressor ${s.compressor ? "ON " : "off"}`,
      `fan ${shown(airconModel, s, "fan")}`,
      s.cleaning ? "self-cleaning" : "",
      `coil ${oneDecimal(r["coilC"])} °C`,
    ]),
});
