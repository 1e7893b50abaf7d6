import { defineModel, type Props, frozen } from "../../sdk/index.js";

/** The air conditioner's thing model: the one definition its types and wire ids come from. */
export const airconModel = defineModel({
  id: "hearth.aircon",
  version: 1,
  properties: {
    power: { id: 1, type: "bool", access: "rw" },
    mode: { id: 2, type: "enum", values: ["cool", "heat", "fan", "dry", "auto"], access: "rw" },
    target: { id: 3, type: "number", min: 16, max: 30, step: 0.5, unit: "°C", access: "rw" },
    room: { id: 4, type: "number", min: -30, max: 70, step: 0.1, unit: "°C", access: "r" },
    fan: { id: 5, type: "enum", values: ["auto", 1, 2, 3], access: "rw" },
    compressor: { id: 6, type: "bool", access: "r" },
    coil: { id: 7, type: "number", min: -30, max: 90, step: 0.1, unit: "°C", access: "r" },
    swing: { id: 8, type: "bool", access: "rw" },
    /** 0 none; 1 room sensor open or shorted; 2 coil sensor open or shorted. */
    error: { id: 9, type: "int", min: 0, max: 99, access: "r" },
    cleaning: { id: 10, type: "bool", access: "r" },
  },
  actions: {
    selfClean: {
      id: 1,
      description: "Frost the evaporator coil to lift dirt, then thaw and dry it with the fan.",
      params: { dryMinutes: { id: 1, type: "int", min: 1, max: 30, unit: "min" } },
      result: {
        minutes: { id: 1, type: "number", min: 0, max: 120, step: 0.1, unit: "min" },
        coilMinC: { id: 2, type: "number", min: -30, max: 90, step: 0.1, unit: "°C" },
      },
    },
  },
  events: {
    targetNotReached: {
      id: 1,
      level: "warn",
      description: "The room has not reached the target after 30 minutes of running.",
      fields: {
        room: { id: 1, type: "number", step: 0.1, unit: "°C" },
        target: { id: 2, type: "number", step: 0.5, unit: "°C" },
        minutes: { id: 3, type: "int", min: 0 },
      },
    },
  },
});

export type AirconModel = typeof airconModel.spec;
export type AirconState = Props<AirconModel>;

/** What a new unit starts as: off, cooling to 26 °C, fan on auto. */
export const airconDefaults: AirconState = frozen({
  power: false,
  mode: "cool",
  target: 26,
  room: 25,
  fan: "auto",
  compressor: false,
  coil: 25,
  swing: false,
  error: 0,
  cleaning: false,
});
