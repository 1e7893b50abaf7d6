import type { FieldSpec, ModelSpec } from "../../../thing/model.js";
import { labelOf } from "../../../thing/presentation.js";
import type { Sample } from "./api.js";
import { language } from "./words.js";

/**
 * A sample's series by name: "NAME (reported)" is a property the device
 * reported (its label and unit from the model); any other name is one of the
 * plant's readings, named, as the plants name them, with their unit last
 * (roomC, waterL, batteryPct, binG, rpm).
 */
const REPORTED = " (reported)";
const READING_UNITS: readonly [RegExp, string][] = [
  [/Pct$/, "%"],
  [/C$/, "°C"],
  [/L$/, "L"],
  [/G$/, "g"],
  [/^rpm$/, "rpm"],
];

export function propertyOf(model: ModelSpec, key: string): [string, FieldSpec] | undefined {
  if (!key.endsWith(REPORTED)) return undefined;
  const name = key.slice(0, -REPORTED.length);
  const spec = model.properties[name];
  return spec === undefined ? undefined : [name, spec];
}

export function seriesUnit(model: ModelSpec, key: string): string {
  const p = propertyOf(model, key);
  if (p !== undefined) return "unit" in p[1] ? (p[1].unit ?? "") : "";
  return READING_UNITS.find(([suffix]) => suffix.test(key))?.[1] ?? "";
}

export function seriesLabel(model: ModelSpec, key: string): string {
  const p = propertyOf(model, key);
  if (p !== undefined) return labelOf(p[1], p[0], language);
  // A reading: its words without the unit ("fridgeFoodC" -> "fridge food"), marked as the plant's.
  const words = key.replace(/(Pct|C|L|G)$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return `${words} (${language === "zh" ? "实测" : "measured"})`;
}

/** A boolean property: drawn as shaded periods (door open, compressor on), not as a line. */
export function isPeriod(model: ModelSpec, key: string): boolean {
  return propertyOf(model, key)?.[1].type === "bool";
}

/** Times are simulated ms from the session's start, or (from a cloud) Unix ms: `useWallClock` says which. */
let wall = false;

/** The page reads a cloud: its times are Unix ms, shown as the time of day here. */
export function useWallClock(): void {
  wall = true;
}

/** Simulated ms as h:mm:ss; with a cloud, Unix ms as the local time of day, hh:mm:ss. */
export function clock(ms: number): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (wall) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** The [from, to] simulated-ms spans where a series is 1. */
export function onPeriods(samples: readonly Sample[], key: string): [number, number][] {
  const out: [number, number][] = [];
  let start: number | undefined;
  for (const s of samples) {
    const on = s.values[key] === 1;
    if (on && start === undefined) start = s.at;
    if (!on && start !== undefined) {
      out.push([start, s.at]);
      start = undefined;
    }
  }
  if (start !== undefined) out.push([start, samples.at(-1)?.at ?? start]);
  return out;
}
