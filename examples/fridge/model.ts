import { defineModel, type Props, frozen } from "../../sdk/index.js";

/** The fridge-freezer's thing model: the one definition its types and wire ids come from. */
export const fridgeModel = defineModel({
  id: "hearth.fridge",
  version: 1,
  label: { en: "Fridge-freezer", zh: "冰箱" },
  properties: {
    fridgeTarget: { id: 1, type: "number", min: 1, max: 8, step: 0.5, unit: "°C", access: "rw", label: { en: "Fridge target", zh: "冷藏设定温度" } },
    freezerTarget: { id: 2, type: "number", min: -24, max: -14, step: 1, unit: "°C", access: "rw", label: { en: "Freezer target", zh: "冷冻设定温度" } },
    /** eco: 1 °C warmer in the fridge and 2 °C in the freezer; quickFreeze: the freezer runs flat out for up to 3 h, then back to normal. */
    mode: { id: 3, type: "enum", values: ["normal", "eco", "quickFreeze"], access: "rw", label: { en: "Mode", zh: "模式" }, valueLabels: [{ en: "Normal", zh: "标准" }, { en: "Eco", zh: "节能" }, { en: "Quick freeze", zh: "速冻" }] },
    fridge: { id: 4, type: "number", min: -30, max: 50, step: 0.1, unit: "°C", access: "r", label: { en: "Fridge", zh: "冷藏室温度" } },
    freezer: { id: 5, type: "number", min: -40, max: 50, step: 0.1, unit: "°C", access: "r", label: { en: "Freezer", zh: "冷冻室温度" } },
    compressor: { id: 6, type: "bool", access: "r", label: { en: "Compressor", zh: "压缩机" }, valueLabels: [{ en: "stopped", zh: "停止" }, { en: "running", zh: "运行" }] },
    fan: { id: 7, type: "bool", access: "r", label: { en: "Fan", zh: "风扇" }, valueLabels: [{ en: "stopped", zh: "停止" }, { en: "running", zh: "运行" }] },
    defrosting: { id: 8, type: "bool", access: "r", label: { en: "Defrosting", zh: "化霜中" } },
    doorOpen: { id: 9, type: "bool", access: "r", label: { en: "Door", zh: "门" }, valueLabels: [{ en: "shut", zh: "关闭" }, { en: "open", zh: "打开" }] },
    /** The door has been open longer than two minutes: the buzzer sounds. */
    doorAlarm: { id: 10, type: "bool", access: "r", label: { en: "Door alarm", zh: "门未关报警" }, valueLabels: [{ en: "quiet", zh: "无" }, { en: "sounding", zh: "报警中" }] },
    error: { id: 11, type: "int", min: 0, max: 99, access: "r", label: { en: "Error", zh: "故障" }, codes: { 0: { en: "none", zh: "无" }, 1: { en: "fridge sensor failed", zh: "冷藏传感器故障" }, 2: { en: "freezer sensor failed", zh: "冷冻传感器故障" }, 3: { en: "evaporator sensor open or shorted", zh: "蒸发器传感器开路或短路" } } },
  },
  actions: {
    defrost: {
      id: 1,
      label: { en: "Defrost", zh: "化霜" },
      description: "Defrost the evaporator now; answers once it is done.",
      params: {},
      result: { minutes: { id: 1, type: "number", min: 0, max: 120, step: 0.1, unit: "min", label: { en: "Took", zh: "用时" } } },
    },
  },
  events: {
    doorLeftOpen: {
      id: 1,
      level: "warn",
      label: { en: "Door left open", zh: "门未关" },
      description: "The door has been open two minutes.",
      fields: { seconds: { id: 1, type: "int", min: 0, unit: "s", label: { en: "Open for", zh: "已开启" } } },
    },
    defrostDone: {
      id: 2,
      level: "info",
      label: { en: "Defrost done", zh: "化霜完成" },
      description: "A defrost finished (on its schedule, or asked for).",
      fields: { minutes: { id: 1, type: "number", min: 0, step: 0.1, unit: "min", label: { en: "Took", zh: "用时" } }, asked: { id: 2, type: "bool", label: { en: "Asked for", zh: "手动" } } },
    },
    quickFreezeDone: {
      id: 3,
      level: "info",
      label: { en: "Quick freeze done", zh: "速冻完成" },
      description: "Quick-freeze ended; the mode is back to normal.",
      fields: { freezer: { id: 1, type: "number", step: 0.1, unit: "°C", label: { en: "Freezer", zh: "冷冻室温度" } } },
    },
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
