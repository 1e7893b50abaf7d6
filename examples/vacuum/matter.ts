import { defineMatterMapping } from "../../sdk/matter/mapping.js";
import { vacuumModel } from "./model.js";

/**
 * The robot vacuum as Matter's RoboticVacuumCleaner (0x74). Numbers are
 * Matter's: RvcRunMode tags (Idle 0x4000, Cleaning 0x4001), RvcCleanMode tags
 * (Vacuum 0x4001, DeepClean 0x4000, Quiet 2, Max 7), RvcOperationalState
 * states and errors; ServiceArea (SelectWhileRunning) for its rooms.
 */
export const vacuumMatter = defineMatterMapping(vacuumModel, {
  deviceType: "RoboticVacuumCleaner",
  runModes: {
    property: "state",
    modes: [
      { mode: 0, label: "Idle", tags: [0x4000], when: ["docked", "stuck"], enter: { invoke: "dock" } },
      { mode: 1, label: "Cleaning", tags: [0x4001], when: ["cleaning", "paused", "returning", "recharging"], enter: { invoke: "start" } },
    ],
  },
  cleanModes: {
    property: "suction",
    modes: [
      { mode: 0, label: "Quiet", tags: [0x4001, 2], when: ["quiet"], enter: { set: { property: "suction", value: "quiet" } } },
      { mode: 1, label: "Standard", tags: [0x4001], when: ["standard"], enter: { set: { property: "suction", value: "standard" } } },
      { mode: 2, label: "Strong", tags: [0x4001, 0x4000], when: ["strong"], enter: { set: { property: "suction", value: "strong" } } },
      { mode: 3, label: "Max", tags: [0x4001, 7], when: ["max"], enter: { set: { property: "suction", value: "max" } } },
    ],
  },
  operational: {
    state: { property: "state", table: [["docked", 0x42], ["cleaning", 1], ["paused", 2], ["returning", 0x40], ["recharging", 0x41], ["stuck", 3]] },
    // 1 boxed in: Stuck; 4 lost after a restart: FailedToFindChargingDock; sensor faults: UnableToCompleteOperation.
    error: { property: "error", errors: [[0, 0], [1, 0x41], [4, 0x40]] },
    commands: { pause: "pause", resume: "start", goHome: "dock" },
    completion: "cleaningDone",
  },
  battery: { percent: { property: "battery", scale: 2 }, charging: { property: "charging" } },
  // ServiceArea: its rooms are the areas (room n is AreaID n), the selection is a bitmask; the firmware
  // reads the selection each time it plans a move, so it takes a new one while it cleans (SelectWhileRunning).
  areas: { rooms: { property: "rooms" }, selected: { property: "selectedRooms" }, current: { property: "room" }, selectWhileRunning: true },
  unmapped: {
    properties: {
      binFull: "the vacuum carries on by itself after the bin is emptied: not RvcOperationalState's DustBinFull error",
      area: "no Matter attribute for the floor cleaned",
      scheduleOn: "Matter has no schedule for a vacuum",
      scheduleAt: "Matter has no schedule for a vacuum",
      utcOffset: "Matter has no schedule for a vacuum (Time Synchronization is the controller's)",
      x: "no RoboticVacuumCleaner cluster reports where the robot is (ServiceArea names areas, not positions: see room)",
      y: "no RoboticVacuumCleaner cluster reports where the robot is (ServiceArea names areas, not positions)",
    },
    events: {
      binFull: "no Matter event",
      lowBattery: "seen as RvcOperationalState going to SeekingCharger and PowerSource's percentage",
      stuck: "carried as the OperationalError attribute (from error)",
    },
  },
});
