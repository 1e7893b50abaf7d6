import { defineModel, type Props, frozen } from "../../sdk/index.js";

/** The robot vacuum's thing model: the one definition its types and wire ids come from. */
export const vacuumModel = defineModel({
  id: "hearth.vacuum",
  version: 1,
  properties: {
    /** recharging: back on the dock mid-job (battery low or bin full); it carries on by itself. */
    state: { id: 1, type: "enum", values: ["docked", "cleaning", "paused", "returning", "recharging", "stuck"], access: "r" },
    battery: { id: 2, type: "int", min: 0, max: 100, unit: "%", access: "r" },
    charging: { id: 3, type: "bool", access: "r" },
    suction: { id: 4, type: "enum", values: ["quiet", "standard", "strong", "max"], access: "rw" },
    binFull: { id: 5, type: "bool", access: "r" },
    /** Floor cleaned in the current (or last) job. */
    area: { id: 6, type: "number", min: 0, max: 1000, step: 0.1, unit: "m²", access: "r" },
    scheduleOn: { id: 7, type: "bool", access: "rw" },
    /** When the scheduled clean starts, minutes after local midnight. */
    scheduleAt: { id: 8, type: "int", min: 0, max: 1439, unit: "min", access: "rw" },
    /** Local time's offset from UTC (Beijing: 480). */
    utcOffset: { id: 9, type: "int", min: -720, max: 840, unit: "min", access: "rw" },
    /** 0 none; 1 boxed in; 2 battery sensor failed; 3 motion controller silent; 4 lost after a restart (carry it to the dock). */
    error: { id: 10, type: "int", min: 0, max: 99, access: "r" },
  },
  actions: {
    start: { id: 1, description: "Clean the whole floor (or carry on a paused job).", params: {}, result: {} },
    pause: { id: 2, description: "Stop where it is.", params: {}, result: {} },
    dock: { id: 3, description: "Go back to the dock now; the job ends.", params: {}, result: {} },
  },
  events: {
    cleaningDone: {
      id: 1,
      level: "info",
      description: "The floor is done (every reachable cell it found).",
      fields: {
        area: { id: 1, type: "number", min: 0, step: 0.1, unit: "m²" },
        minutes: { id: 2, type: "int", min: 0, unit: "min" },
        recharges: { id: 3, type: "int", min: 0 },
      },
    },
    binFull: { id: 2, level: "warn", description: "The dust bin is full: it went back to the dock; empty it and it carries on.", fields: {} },
    lowBattery: { id: 3, level: "info", description: "Going back to recharge; it carries on after.", fields: { battery: { id: 1, type: "int", min: 0, max: 100, unit: "%" } } },
    stuck: { id: 4, level: "error", description: "It cannot go on (see error).", fields: { code: { id: 1, type: "int", min: 0 } } },
  },
});

export type VacuumModel = typeof vacuumModel.spec;
export type VacuumState = Props<VacuumModel>;

export const vacuumDefaults: VacuumState = frozen({
  state: "docked",
  battery: 100,
  charging: false,
  suction: "standard",
  binFull: false,
  area: 0,
  scheduleOn: false,
  scheduleAt: 600,
  utcOffset: 480,
  error: 0,
});
