import { vacuum as board } from "../../boards/vacuum/index.js";
import { FLAT, FLAT_ROOMS, FloorPlant } from "../../boards/vacuum/plant.js";
import { defineApp, shown, statusLine } from "../../sdk/desk/sim/index.js";
import { formatRooms, parseRooms } from "../../sdk/index.js";
import { vacuum } from "./firmware.js";
import { vacuumDefaults, vacuumModel, vacuumModelV1, vacuumModelV2 } from "./model.js";

/**
 * A floor plan's rooms as the `rooms` property carries them: as the robot's owner draws them on
 * its map, in metres from the dock's cell (x to the right, y down the plan), cell centres.
 */
export function roomsOnMap(plan: readonly string[], rooms: readonly { label: { en: string }; x: number; y: number; w: number; h: number }[], cellM: number): string {
  const row = plan.findIndex((line) => line.includes("D"));
  const dock = { x: (plan[row] ?? "").indexOf("D"), y: row };
  const m = (cells: number): number => Math.round(cells * cellM * 100) / 100;
  return formatRooms(rooms.map((r) => ({ name: r.label.en, x0: m(r.x - dock.x), y0: m(r.y - dock.y), x1: m(r.x + r.w - 1 - dock.x), y1: m(r.y + r.h - 1 - dock.y) })));
}

/** The simulated flat's four rooms, drawn on the robot's map. */
export const FLAT_ROOMS_ON_MAP = roomsOnMap(FLAT, FLAT_ROOMS, board.cellM);

/**
 * The robot vacuum as the simulator runs it: charged, on its dock in a two-room flat (with a hall
 * and a kitchen) whose rooms its owner has drawn on its map; start it from the cloud or the console.
 */
export const app = defineApp({
  name: "vacuum",
  firmwareVersion: "1.2.0",
  boardId: board.id,
  model: vacuumModel,
  earlierModels: [vacuumModelV2, vacuumModelV1],
  initial: { ...vacuumDefaults, rooms: FLAT_ROOMS_ON_MAP },
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
      s.room > 0 ? `in the ${parseRooms(s.rooms)[s.room - 1]?.name ?? `room ${s.room}`}` : "",
      `suction ${shown(vacuumModel, s, "suction")}`,
    ]),
});
