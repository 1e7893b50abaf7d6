import { defineModel, type Props, frozen } from "../../sdk/index.js";

/** The air conditioner's thing model: the one definition its types and wire ids come from. */
export const airconModel = defineModel({
  id: "hearth.aircon",
  version: 1,
  label: { en: "Air conditioner", zh: "空调" },
  properties: {
    power: { id: 1, type: "bool", access: "rw", label: { en: "Power", zh: "电源" }, valueLabels: [{ en: "off", zh: "关" }, { en: "on", zh: "开" }] },
    mode: {
      id: 2,
      type: "enum",
      values: ["cool", "heat", "fan", "dry", "auto"],
      access: "rw",
      label: { en: "Mode", zh: "模式" },
      valueLabels: [
        { en: "Cool", zh: "制冷" },
        { en: "Heat", zh: "制热" },
        { en: "Fan only", zh: "送风" },
        { en: "Dry", zh: "除湿" },
        { en: "Auto", zh: "自动" },
      ],
    },
    target: { id: 3, type: "number", min: 16, max: 30, step: 0.5, unit: "°C", access: "rw", label: { en: "Target temperature", zh: "设定温度" } },
    room: { id: 4, type: "number", min: -30, max: 70, step: 0.1, unit: "°C", access: "r", label: { en: "Room temperature", zh: "室内温度" } },
    fan: {
      id: 5,
      type: "enum",
      values: ["auto", 1, 2, 3],
      access: "rw",
      label: { en: "Fan speed", zh: "风速" },
      valueLabels: [
        { en: "Auto", zh: "自动" },
        { en: "Low", zh: "低" },
        { en: "Medium", zh: "中" },
        { en: "High", zh: "高" },
      ],
    },
    compressor: { id: 6, type: "bool", access: "r", label: { en: "Compressor", zh: "压缩机" }, valueLabels: [{ en: "stopped", zh: "停止" }, { en: "running", zh: "运行" }] },
    coil: { id: 7, type: "number", min: -30, max: 90, step: 0.1, unit: "°C", access: "r", label: { en: "Coil temperature", zh: "盘管温度" } },
    swing: { id: 8, type: "bool", access: "rw", label: { en: "Swing", zh: "摆风" }, valueLabels: [{ en: "off", zh: "关" }, { en: "on", zh: "开" }] },
    error: {
      id: 9,
      type: "int",
      min: 0,
      max: 99,
      access: "r",
      label: { en: "Error", zh: "故障" },
      codes: {
        0: { en: "none", zh: "无" },
        1: { en: "room sensor open or shorted", zh: "室温传感器开路或短路" },
        2: { en: "coil sensor open or shorted", zh: "盘管传感器开路或短路" },
      },
    },
    cleaning: { id: 10, type: "bool", access: "r", label: { en: "Self-cleaning", zh: "自清洁中" } },
  },
  actions: {
    selfClean: {
      id: 1,
      label: { en: "Self-clean", zh: "自清洁" },
      description: "Frost the evaporator coil to lift dirt, then thaw and dry it with the fan.",
      params: { dryMinutes: { id: 1, type: "int", min: 1, max: 30, unit: "min", label: { en: "Drying time", zh: "烘干时间" } } },
      result: {
        minutes: { id: 1, type: "number", min: 0, max: 120, step: 0.1, unit: "min", label: { en: "Took", zh: "用时" } },
        coilMinC: { id: 2, type: "number", min: -30, max: 90, step: 0.1, unit: "°C", label: { en: "Coldest coil", zh: "盘管最低温度" } },
      },
    },
  },
  events: {
    targetNotReached: {
      id: 1,
      level: "warn",
      label: { en: "Target not reached", zh: "未达到设定温度" },
      description: "The room has not reached the target after 30 minutes of running.",
      fields: {
        room: { id: 1, type: "number", step: 0.1, unit: "°C", label: { en: "Room temperature", zh: "室内温度" } },
        target: { id: 2, type: "number", step: 0.5, unit: "°C", label: { en: "Target temperature", zh: "设定温度" } },
        minutes: { id: 3, type: "int", min: 0, label: { en: "Running for", zh: "已运行" } },
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
