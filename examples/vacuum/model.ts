import { defineModel, type Props, frozen, without } from "../../sdk/index.js";

/** The vacuum's error codes: its `error` property and its `stuck` event's `code`. */
const VACUUM_ERRORS = {
  0: { en: "none", zh: "无" },
  1: { en: "boxed in", zh: "被困住" },
  2: { en: "battery sensor failed", zh: "电池传感器故障" },
  3: { en: "motion controller silent", zh: "运动控制器无响应" },
  4: { en: "lost after a restart: carry it to the dock", zh: "重启后迷失：请放回充电座" },
} as const;

/** The robot vacuum's thing model: the one definition its types and wire ids come from. */
export const vacuumModel = defineModel({
  id: "hearth.vacuum",
  // Revision 2: the robot reports where it is (x, y), so a console can draw its path on the floor.
  // Revision 3: the rooms on its map, which of them to clean, and the room it is in (Matter's ServiceArea).
  version: 3,
  label: { en: "Robot vacuum", zh: "扫地机器人" },
  properties: {
    /** recharging: back on the dock mid-job (battery low or bin full); it carries on by itself. */
    state: { id: 1, type: "enum", values: ["docked", "cleaning", "paused", "returning", "recharging", "stuck"],
      access: "r",
      label: { en: "State", zh: "状态" },
      valueLabels: [{ en: "Docked", zh: "在充电座" }, { en: "Cleaning", zh: "清扫中" }, { en: "Paused", zh: "暂停" }, { en: "Returning", zh: "回充中" }, { en: "Recharging", zh: "充电后继续" }, { en: "Stuck", zh: "被困" }],
    },
    battery: { id: 2, type: "int", min: 0, max: 100, unit: "%", access: "r", label: { en: "Battery", zh: "电量" } },
    charging: { id: 3, type: "bool", access: "r", label: { en: "Charging", zh: "充电中" } },
    suction: { id: 4, type: "enum", values: ["quiet", "standard", "strong", "max"], access: "rw", label: { en: "Suction", zh: "吸力" }, valueLabels: [{ en: "Quiet", zh: "安静" }, { en: "Standard", zh: "标准" }, { en: "Strong", zh: "强力" }, { en: "Max", zh: "最大" }] },
    binFull: { id: 5, type: "bool", access: "r", label: { en: "Dust bin", zh: "尘盒" }, valueLabels: [{ en: "not full", zh: "未满" }, { en: "full", zh: "已满" }] },
    /** Floor cleaned in the current (or last) job. */
    area: { id: 6, type: "number", min: 0, max: 1000, step: 0.1, unit: "m²", access: "r", label: { en: "Area cleaned", zh: "清扫面积" } },
    scheduleOn: { id: 7, type: "bool", access: "rw", label: { en: "Daily schedule", zh: "定时清扫" }, valueLabels: [{ en: "off", zh: "关" }, { en: "on", zh: "开" }] },
    /** When the scheduled clean starts, minutes after local midnight. */
    scheduleAt: { id: 8, type: "int", min: 0, max: 1439, unit: "min", access: "rw", label: { en: "Starts at", zh: "开始时间" }, format: "time-of-day" },
    /** Local time's offset from UTC (Beijing: 480). */
    utcOffset: { id: 9, type: "int", min: -720, max: 840, unit: "min", access: "rw", label: { en: "Time zone", zh: "时区" }, format: "utc-offset" },
    error: { id: 10, type: "int", min: 0, max: 99, access: "r", label: { en: "Error", zh: "故障" }, codes: VACUUM_ERRORS },
    /** Where it is: metres to the right of its dock, as it faced on the dock (its map's x). */
    x: { id: 11, type: "number", min: -20, max: 20, step: 0.1, unit: "m", access: "r", label: { en: "Position across", zh: "横向位置" } },
    /** Metres behind its dock, as it faced on the dock (its map's y: down the floor plan). */
    y: { id: 12, type: "number", min: -20, max: 20, step: 0.1, unit: "m", access: "r", label: { en: "Position along", zh: "纵向位置" } },
    /**
     * The rooms on its map, as its owner drew and named them in the app: "NAME:X0,Y0,X1,Y1;..." (at most
     * 16), each a rectangle in metres in the frame of x and y (parseRooms). Room n is the n-th.
     */
    rooms: { id: 13, type: "string", maxLength: 240, access: "rw", label: { en: "Rooms", zh: "房间" }, format: "rooms" },
    /** The rooms to clean, bit n-1 for room n; 0: the whole floor. Read as it plans each move, so a change mid-job takes effect at once; bits of rooms it does not have are dropped. */
    selectedRooms: { id: 14, type: "int", min: 0, max: 65535, access: "rw", label: { en: "Rooms to clean", zh: "清扫房间" } },
    /** The room it is in (n for room n), 0 when in none of them. */
    room: { id: 15, type: "int", min: 0, max: 16, access: "r", label: { en: "In room", zh: "所在房间" } },
  },
  actions: {
    start: { id: 1, label: { en: "Clean", zh: "清扫" }, description: "Clean the whole floor (or carry on a paused job).", params: {}, result: {} },
    pause: { id: 2, label: { en: "Pause", zh: "暂停" }, description: "Stop where it is.", params: {}, result: {} },
    dock: { id: 3, label: { en: "Go to dock", zh: "回充" }, description: "Go back to the dock now; the job ends.", params: {}, result: {} },
  },
  events: {
    cleaningDone: {
      id: 1,
      level: "info",
      label: { en: "Cleaning done", zh: "清扫完成" },
      description: "The floor is done (every reachable cell it found).",
      fields: {
        area: { id: 1, type: "number", min: 0, step: 0.1, unit: "m²", label: { en: "Area", zh: "面积" } },
        minutes: { id: 2, type: "int", min: 0, unit: "min", label: { en: "Took", zh: "用时" } },
        recharges: { id: 3, type: "int", min: 0, label: { en: "Recharges", zh: "回充次数" } },
      },
    },
    binFull: { id: 2, level: "warn", label: { en: "Dust bin full", zh: "尘盒已满" }, description: "The dust bin is full: it went back to the dock; empty it and it carries on.", fields: {} },
    lowBattery: {
      id: 3,
      level: "info",
      label: { en: "Low battery", zh: "电量低" },
      description: "Going back to recharge; it carries on after.",
      fields: { battery: { id: 1, type: "int", min: 0, max: 100, unit: "%", label: { en: "Battery", zh: "电量" } } },
    },
    stuck: {
      id: 4,
      level: "error",
      label: { en: "Stuck", zh: "被困" },
      description: "It cannot go on (see error).",
      fields: { code: { id: 1, type: "int", min: 0, label: { en: "Error", zh: "故障" }, codes: VACUUM_ERRORS } },
    },
  },
});

/** Revision 2, which firmware 1.1 speaks: the same without the rooms (its hash is unchanged). */
export const vacuumModelV2 = defineModel({ ...vacuumModel.spec, version: 2, properties: without(vacuumModel.spec.properties, ["rooms", "selectedRooms", "room"]) });
/** Revision 1, which firmware before 1.1 speaks: the same without x and y either (its hash is unchanged: labels are not in it). */
export const vacuumModelV1 = defineModel({ ...vacuumModel.spec, version: 1, properties: without(vacuumModel.spec.properties, ["x", "y", "rooms", "selectedRooms", "room"]) });

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
  x: 0,
  y: 0,
  // Out of the box it knows no rooms: it cleans the whole floor.
  rooms: "",
  selectedRooms: 0,
  room: 0,
});
