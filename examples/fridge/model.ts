import { defineModel, type Props, frozen } from "../../sdk/index.js";

/** The fridge-freezer's thing model: the one definition its types and wire ids come from. */
export const fridgeModel = defineModel({
  id: "hearth.fridge",
  version: 1,
  properties: {
    fridgeTarget: { id: 1, type: "number", min: 1, max: 8, step: 0.5, unit: "°C", access: "rw" },
    freezerTarget: { id: 2, type: "number", min: -24, max: -14, step: 1, unit: "°C", access: "rw" },
    /** eco: 1 °C warmer in the fridge and 2 °C in the freezer; quickFreeze: the freezer runs flat out for up to 3 h, then back to normal. */
    mode: { id: 3, type: "enum", values: ["normal", "eco", "quickFreeze"], access: "rw" },
    fridge: { id: 4, type: "number", min: -30, max: 50, step: 0.1, unit: "°C", access: "r" },
    freezer: { id: 5, type: "number", min: -40, max: 50, step: 0.1, unit: "°C", access: "r" },
    compressor: { id: 6, type: "bool", access: "r" },
    fan: { id: 7, type: "bool", access: "r" },
    defrosting: { id: 8, type: "bool", access: "r" },
    doorOpen: { id: 9, type: "bool", access: "r" },
    /** The door has been open longer than two minutes: the buzzer sounds. */
    doorAlarm: { id: 10, type: "bool", access: "r" },
    /** 0 none; 1 fridge sensor; 2 freezer sensor; 3 evaporator sensor (open or shorted). */
    error: { id: 11, type: "int", min: 0, max: 99, access: "r" },
  },
  actions: {
    defrost: {
      id: 1,
      description: "Defrost the evaporator now; answers once it is done.",
      params: {},
      result: { minutes: { id: 1, type: "number", min: 0, max: 120, step: 0.1, unit: "min" } },
    },
  },
  events: {
    doorLeftOpen: { id: 1, level: "warn", description: "The door has been open two minutes.", fields: { seconds: { id: 1, type: "int", min: 0, unit: "s" } } },
    defrostDone: {
      id: 2,
      level: "info",
      description: "A defrost finished (on its schedule, or asked for).",
      fields: { minutes: { id: 1, type: "number", min: 0, step: 0.1, unit: "min" }, asked: { id: 2, type: "bool" } },
    },
    quickFreezeDone: { id: 3, level: "info", description: "Quick-freeze ended; the mode is back to normal.", fields: { freezer: { id: 1, type: "number", step: 0.1, unit: "°C" } } },
  },
});

export type FridgeModel = typeof fridgeModel.spec;
export type FridgeState = Props<FridgeModel>;

export const fridgeDefaults: FridgeState = frozen({
  fridgeTarget: 4,
  freezerTarget: -18,
  mode: "normal",
  fridge: 4,
  freezer: -18,
  compressor: false,
  fan: false,
  defrosting: false,
  doorOpen: false,
  doorAlarm: false,
  error: 0,
});
