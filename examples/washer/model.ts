import { defineModel, type Props, frozen } from "../../sdk/index.js";

/** The washer's thing model: the one definition its types and wire ids come from. */
export const washerModel = defineModel({
  id: "hearth.washer",
  version: 1,
  properties: {
    program: { id: 1, type: "enum", values: ["cotton", "synthetics", "quick", "wool"], access: "rw" },
    /** 20 means cold: no heating. Programs cap it (wool and quick at 30 °C). */
    temperature: { id: 2, type: "number", min: 20, max: 90, step: 10, unit: "°C", access: "rw" },
    /** The fastest spin wanted; programs cap it, and an unbalanced load may lower it. */
    spin: { id: 3, type: "number", min: 400, max: 1400, step: 200, unit: "rpm", access: "rw" },
    state: {
      id: 4,
      type: "enum",
      values: ["idle", "locking", "filling", "heating", "washing", "draining", "rinsing", "spinning", "paused", "cancelling", "done"],
      access: "r",
    },
    /** Minutes left of the program, as the washer estimates them. */
    remaining: { id: 5, type: "int", min: 0, max: 600, unit: "min", access: "r" },
    water: { id: 6, type: "number", min: 0, max: 30, step: 0.5, unit: "L", access: "r" },
    waterTemp: { id: 7, type: "number", min: 0, max: 100, step: 0.5, unit: "°C", access: "r" },
    drumRpm: { id: 8, type: "int", min: 0, max: 1600, unit: "rpm", access: "r" },
    doorLocked: { id: 9, type: "bool", access: "r" },
    doorOpen: { id: 10, type: "bool", access: "r" },
    /** 0 none; 1 no water (fill timed out); 2 does not drain; 3 water sensor failed; 4 door lock failed; 5 the drum motor stopped (stall, over-current, its sensors). */
    error: { id: 11, type: "int", min: 0, max: 99, access: "r" },
  },
  actions: {
    start: { id: 1, description: "Start the program set, with the door shut.", params: {}, result: { minutes: { id: 1, type: "int", min: 0, unit: "min" } } },
    pause: { id: 2, description: "Stop the drum and the water where they are; the door stays locked while there is water.", params: {}, result: {} },
    resume: { id: 3, description: "Carry on a paused program.", params: {}, result: {} },
    cancel: { id: 4, description: "Drain, stop, and unlock the door.", params: {}, result: {} },
  },
  events: {
    finished: {
      id: 1,
      level: "info",
      description: "The program has finished; the door unlocks.",
      fields: { minutes: { id: 1, type: "int", min: 0, unit: "min" }, spin: { id: 2, type: "int", min: 0, unit: "rpm" } },
    },
    imbalance: {
      id: 2,
      level: "warn",
      description: "The load would not balance after redistributing it: the spin was lowered (to 0: skipped).",
      fields: { tries: { id: 1, type: "int", min: 0 }, spin: { id: 2, type: "int", min: 0, unit: "rpm" } },
    },
    fault: { id: 3, level: "error", description: "The program stopped on a fault (see error).", fields: { code: { id: 1, type: "int", min: 0 } } },
  },
});

export type WasherModel = typeof washerModel.spec;
export type WasherState = Props<WasherModel>;

export const washerDefaults: WasherState = frozen({
  program: "cotton",
  temperature: 40,
  spin: 1200,
  state: "idle",
  remaining: 0,
  water: 0,
  waterTemp: 20,
  drumRpm: 0,
  doorLocked: false,
  doorOpen: false,
  error: 0,
});
