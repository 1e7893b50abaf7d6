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
  viaCloud: { en: "cloud API", zh: "云端 API" },
  apiAnswering: { en: "API answering", zh: "API 正常" },
  apiNotAnswering: { en: "API not answering…", zh: "API 无响应…" },
  devicesShown: { en: "devices shown", zh: "台设备已显示" },
  of: { en: "of", zh: "共" },
  notKnown: { en: "not known to the cloud (yet)", zh: "云端尚无此设备" },
  cloudNote: {
    en: "This console reads the devices through the cloud's HTTP API: what they report, their desired state (a set names the version it expects: someone else's change first is refused as 412 stale), their events and presence. A simulator's controls (power, network, sensor faults, the front panel and its keys, what a hand does, the vacuum's floor plan) belong to hearth sim's console: there is no simulator behind a cloud, so they are not here.",
    zh: "此控制台通过云端 HTTP API 读取设备：上报的状态、期望状态（设置时带上所期望的版本：若他人已先修改，则以 412 stale 拒绝）、事件与在线状态。模拟器的控制（断电、断网、传感器故障、前面板与按键、手动操作、扫地机地图）属于 hearth sim 的控制台：云端背后没有模拟器，因此这里没有这些控制。",
  },
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
