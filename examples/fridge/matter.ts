import { defineMatterMapping } from "../../sdk/matter/mapping.js";
import { fridgeModel } from "./model.js";

/**
 * The fridge-freezer as Matter's Refrigerator (0x70) with two
 * TemperatureControlledCabinet (0x71) parts. Numbers are Matter's:
 * RefrigeratorAndTemperatureControlledCabinetMode tags (Auto 0, LowEnergy 4, RapidFreeze 0x4001), 0.01 °C.
 */
export const fridgeMatter = defineMatterMapping(fridgeModel, {
  deviceType: "Refrigerator",
  cabinets: [
    { label: "Fridge", setpoint: { property: "fridgeTarget", scale: 100 }, measured: { property: "fridge", scale: 100 } },
    { label: "Freezer", setpoint: { property: "freezerTarget", scale: 100 }, measured: { property: "freezer", scale: 100 } },
  ],
  modes: {
    property: "mode",
    modes: [
      { mode: 0, label: "Normal", tags: [0], when: ["normal"], enter: { set: { property: "mode", value: "normal" } } },
      { mode: 1, label: "Eco", tags: [4], when: ["eco"], enter: { set: { property: "mode", value: "eco" } } },
      { mode: 2, label: "Quick freeze", tags: [0x4001], when: ["quickFreeze"], enter: { set: { property: "mode", value: "quickFreeze" } } },
    ],
  },
  doorAlarm: { property: "doorAlarm" },
  unmapped: {
    properties: {
      compressor: "no Matter attribute for the compressor",
      fan: "no Matter attribute for the evaporator fan",
      defrosting: "no Matter attribute for a defrost in progress",
      doorOpen: "RefrigeratorAlarm's DoorOpen is the alarm (doorAlarm: open two minutes), not the door itself",
      error: "Hearth's sensor error codes have no Refrigerator counterpart",
    },
    actions: { defrost: "no Matter command defrosts" },
    events: {
      doorLeftOpen: "carried as RefrigeratorAlarm's state (doorAlarm), whose Notify event matter.js sends on change",
      defrostDone: "no Matter event",
      quickFreezeDone: "seen as the mode's change back to Normal",
    },
  },
});
