import { defineModel, type Props, frozen, without } from "../../sdk/index.js";

/** The washer's error codes: its `error` property and its `fault` event's `code`. */
const WASHER_ERRORS = {
  0: { en: "none", zh: "无" },
  1: { en: "no water: the fill timed out", zh: "无水：进水超时" },
  2: { en: "does not drain", zh: "排水故障" },
  3: { en: "water sensor failed", zh: "水位传感器故障" },
  4: { en: "door lock failed", zh: "门锁故障" },
  5: { en: "drum motor stopped", zh: "滚筒电机停转" },
} as const;

/** The washer's thing model: the one definition its types and wire ids come from. */
export const washerModel = defineModel({
  id: "hearth.washer",
  // Revision 2: the washer reports its plan, so a console can draw the program planned against what it did.
  version: 2,
  label: { en: "Washing machine", zh: "洗衣机" },
  properties: {
    program: { id: 1, type: "enum", values: ["cotton", "synthetics", "quick", "wool"], access: "rw", label: { en: "Program", zh: "程序" }, valueLabels: [{ en: "Cotton", zh: "棉织物" }, { en: "Synthetics", zh: "化纤" }, { en: "Quick", zh: "快洗" }, { en: "Wool", zh: "羊毛" }] },
    /** 20 means cold: no heating. Programs cap it (wool and quick at 30 °C). */
    temperature: { id: 2, type: "number", min: 20, max: 90, step: 10, unit: "°C", access: "rw", label: { en: "Temperature", zh: "水温设定" } },
    /** The fastest spin wanted; programs cap it, and an unbalanced load may lower it. */
    spin: { id: 3, type: "number", min: 400, max: 1400, step: 200, unit: "rpm", access: "rw", label: { en: "Spin speed", zh: "脱水转速" } },
    state: {
      id: 4,
      type: "enum",
      values: ["idle", "locking", "filling", "heating", "washing", "draining", "rinsing", "spinning", "paused", "cancelling", "done"],
      access: "r",
      label: { en: "State", zh: "状态" },
      valueLabels: [{ en: "Idle", zh: "待机" }, { en: "Locking door", zh: "门锁中" }, { en: "Filling", zh: "进水" }, { en: "Heating", zh: "加热" }, { en: "Washing", zh: "洗涤" }, { en: "Draining", zh: "排水" }, { en: "Rinsing", zh: "漂洗" }, { en: "Spinning", zh: "脱水" }, { en: "Paused", zh: "暂停" }, { en: "Cancelling", zh: "取消中" }, { en: "Done", zh: "完成" }],
    },
    /** Minutes left of the program, as the washer estimates them. */
    remaining: { id: 5, type: "int", min: 0, max: 600, unit: "min", access: "r", label: { en: "Time left", zh: "剩余时间" } },
    water: { id: 6, type: "number", min: 0, max: 30, step: 0.5, unit: "L", access: "r", label: { en: "Water", zh: "水量" } },
    waterTemp: { id: 7, type: "number", min: 0, max: 100, step: 0.5, unit: "°C", access: "r", label: { en: "Water temperature", zh: "水温" } },
    drumRpm: { id: 8, type: "int", min: 0, max: 1600, unit: "rpm", access: "r", label: { en: "Drum speed", zh: "滚筒转速" } },
    doorLocked: { id: 9, type: "bool", access: "r", label: { en: "Door lock", zh: "门锁" }, valueLabels: [{ en: "unlocked", zh: "未锁" }, { en: "locked", zh: "已锁" }] },
    doorOpen: { id: 10, type: "bool", access: "r", label: { en: "Door", zh: "机门" }, valueLabels: [{ en: "shut", zh: "关闭" }, { en: "open", zh: "打开" }] },
    error: { id: 11, type: "int", min: 0, max: 99, access: "r", label: { en: "Error", zh: "故障" }, codes: WASHER_ERRORS },
    /** The run's phases as planned when it started: "STATE:MINUTES" each, in order, space-separated ("filling:1.4 heating:12.3 washing:45 ..."). */
    plan: { id: 12, type: "string", maxLength: 240, access: "r", label: { en: "Planned phases", zh: "计划阶段" }, format: "phases" },
  },
  actions: {
    start: { id: 1, label: { en: "Start", zh: "启动" }, description: "Start the program set, with the door shut.", params: {}, result: { minutes: { id: 1, type: "int", min: 0, unit: "min", label: { en: "Expected time", zh: "预计时间" } } } },
    pause: { id: 2, label: { en: "Pause", zh: "暂停" }, description: "Stop the drum and the water where they are; the door stays locked while there is water.", params: {}, result: {} },
    resume: { id: 3, label: { en: "Resume", zh: "继续" }, description: "Carry on a paused program.", params: {}, result: {} },
    cancel: { id: 4, label: { en: "Cancel", zh: "取消" }, description: "Drain, stop, and unlock the door.", params: {}, result: {} },
  },
  events: {
    finished: {
      id: 1,
      level: "info",
      label: { en: "Finished", zh: "洗涤完成" },
      description: "The program has finished; the door unlocks.",
      fields: { minutes: { id: 1, type: "int", min: 0, unit: "min", label: { en: "Took", zh: "用时" } }, spin: { id: 2, type: "int", min: 0, unit: "rpm", label: { en: "Spin speed", zh: "脱水转速" } } },
    },
    imbalance: {
      id: 2,
      level: "warn",
      label: { en: "Unbalanced load", zh: "负载不平衡" },
      description: "The load would not balance after redistributing it: the spin was lowered (to 0: skipped).",
      fields: { tries: { id: 1, type: "int", min: 0, label: { en: "Tries", zh: "尝试次数" } }, spin: { id: 2, type: "int", min: 0, unit: "rpm", label: { en: "Spin speed", zh: "脱水转速" } } },
    },
    fault: {
      id: 3,
      level: "error",
      label: { en: "Fault", zh: "故障停机" },
      description: "The program stopped on a fault (see error).",
      fields: { code: { id: 1, type: "int", min: 0, label: { en: "Error", zh: "故障" }, codes: WASHER_ERRORS } },
    },
  },
});

/** Revision 1, which firmware before 1.1 speaks: the same without plan (its hash is unchanged: labels are not in it). */
export const washerModelV1 = defineModel({ ...washerModel.spec, version: 1, properties: without(washerModel.spec.properties, ["plan"]) });

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
  plan: "",
});
