import { defineMatterMapping } from "../../sdk/matter/mapping.js";
import { washerModel } from "./model.js";

/** The washer as Matter's LaundryWasher (0x73). Numbers are Matter's: OperationalStateEnum, ErrorStateEnum, LaundryWasherMode tags, 0.01 °C. */
export const washerMatter = defineMatterMapping(washerModel, {
  deviceType: "LaundryWasher",
  operational: {
    state: {
      property: "state",
      table: [["idle", 0], ["done", 0], ["cancelling", 0], ["locking", 1], ["filling", 1], ["heating", 1], ["washing", 1], ["draining", 1], ["rinsing", 1], ["spinning", 1], ["paused", 2]],
    },
    // Every washer fault stops the program: UnableToCompleteOperation.
    error: { property: "error", errors: [[0, 0]] },
    commands: { start: "start", pause: "pause", resume: "resume", stop: "cancel" },
    countdown: { property: "remaining", scale: 60 },
    phases: { property: "state", table: [["locking", 0], ["filling", 1], ["heating", 2], ["washing", 3], ["draining", 4], ["rinsing", 5], ["spinning", 6]] },
    completion: "finished",
  },
  modes: {
    property: "program",
    modes: [
      { mode: 0, label: "Cotton", tags: [0x4000], when: ["cotton"], enter: { set: { property: "program", value: "cotton" } } },
      { mode: 1, label: "Synthetics", tags: [0x4000], when: ["synthetics"], enter: { set: { property: "program", value: "synthetics" } } },
      { mode: 2, label: "Quick", tags: [1], when: ["quick"], enter: { set: { property: "program", value: "quick" } } },
      { mode: 3, label: "Wool", tags: [0x4001], when: ["wool"], enter: { set: { property: "program", value: "wool" } } },
    ],
  },
  spin: { property: "spin", labels: ["400", "600", "800", "1000", "1200", "1400"], table: [[400, 0], [600, 1], [800, 2], [1000, 3], [1200, 4], [1400, 5]] },
  temperature: { property: "temperature", scale: 100 },
  unmapped: {
    properties: {
      water: "no LaundryWasher cluster reports the water in the drum",
      waterTemp: "no LaundryWasher cluster reports the water's temperature (TemperatureControl is the setpoint)",
      drumRpm: "LaundryWasherControls has the spin speed chosen, not the drum's speed now",
      doorLocked: "no LaundryWasher cluster reports the door lock",
      doorOpen: "no LaundryWasher cluster reports the door",
      plan: "OperationalState lists phases (PhaseList) but not their planned minutes; the phases are mapped from state",
    },
    events: {
      imbalance: "OperationalState has no event for a lowered spin",
      fault: "carried as the OperationalError attribute (from error); the event itself is not sent",
    },
  },
});
