import { languageOf, type Label, type Language } from "../../../thing/presentation.js";

/**
 * The page's own words (the model brings its labels): in the language the
 * person chose (the header's setting, kept in localStorage), else the browser's.
 */
export const language: Language = (() => {
  const chosen = new URLSearchParams(location.search).get("lang") ?? localStorage.getItem("hearth.lang") ?? undefined;
  return languageOf(chosen ?? navigator.language);
})();

/** Choose a language: kept for the next visit, and the page redrawn in it. */
export function chooseLanguage(lang: Language): void {
  localStorage.setItem("hearth.lang", lang);
  const url = new URL(location.href);
  url.searchParams.delete("lang");
  location.replace(url);
}

const WORDS = {
  set: { en: "Set", zh: "设置" },
  actions: { en: "Actions", zh: "操作" },
  faults: { en: "Faults", zh: "故障注入" },
  byHand: { en: "By hand", zh: "手动" },
  cutPower: { en: "Cut power", zh: "断电" },
  unplug: { en: "Unplug network", zh: "断开网络" },
  plugIn: { en: "Plug network in", zh: "接通网络" },
  failSensor: { en: "Fail sensor", zh: "传感器故障" },
  openCircuit: { en: "open circuit", zh: "开路" },
  short: { en: "short", zh: "短路" },
  mend: { en: "mend", zh: "修复" },
  sensor: { en: "Sensor", zh: "传感器" },
  failure: { en: "Failure", zh: "故障类型" },
  online: { en: "online", zh: "在线" },
  offline: { en: "offline", zh: "离线" },
  boot: { en: "boot", zh: "启动次数" },
  noFirmware: { en: "no firmware", zh: "无固件" },
  simulated: { en: "simulated", zh: "模拟时间" },
  cloudConnected: { en: "cloud connected", zh: "云端已连接" },
  cloudReconnecting: { en: "cloud reconnecting…", zh: "云端重连中…" },
  restartBroker: { en: "Restart broker", zh: "重启代理" },
  matterTitle: { en: "Matter", zh: "Matter" },
  matterHow: { en: "Add the appliances to a home: scan the QR code with a Matter controller's app, or type the code.", zh: "将设备加入家庭：用 Matter 控制器的应用扫描二维码，或输入配对码。" },
  matterCode: { en: "Pairing code", zh: "配对码" },
  matterCommissioned: { en: "paired with a controller (others may pair too)", zh: "已与控制器配对（还可再配对其他控制器）" },
  matterWaiting: { en: "waiting to be paired", zh: "等待配对" },
  language: { en: "Language", zh: "语言" },
  log: { en: "Event log", zh: "事件日志" },
  chart: { en: "Chart", zh: "图表" },
  series: { en: "Series", zh: "曲线" },
  exportCsv: { en: "Export CSV", zh: "导出 CSV" },
  resetZoom: { en: "Show all", zh: "全部显示" },
  waiting: { en: "waiting for samples…", zh: "等待数据…" },
  properties: { en: "Properties", zh: "属性" },
  map: { en: "Floor map", zh: "地图" },
  timeline: { en: "Program", zh: "程序进度" },
  planned: { en: "planned", zh: "计划" },
  actual: { en: "actual", zh: "实际" },
  left: { en: "left", zh: "剩余" },
  dock: { en: "dock", zh: "充电座" },
  doorOpen: { en: "door open", zh: "开门" },
  alarm: { en: "alarm", zh: "报警" },
  compressorOn: { en: "compressor on", zh: "压缩机运行" },
  cycles: { en: "compressor cycles", zh: "压缩机启停次数" },
  time: { en: "time", zh: "时间" },
  on: { en: "on", zh: "于" },
} satisfies Record<string, Label>;

/** A word of the page's, in the chosen language. */
export function t(word: keyof typeof WORDS): string {
  return WORDS[word][language];
}
