import { frozen } from "../../hal/frozen.js";
import type { FieldSpec } from "./model.js";

/**
 * How a person reads a model (PROTOCOL.md section 3a, "Presentation"): names
 * in English and Simplified Chinese, what each value of an enum, a bool or
 * an error code means, and formats for integers that are clock times or UTC
 * offsets. Presentation is part of the model document but not of its hash:
 * relabelling a model changes nothing a device and a cloud must agree on.
 */

/** A name people read: `en` English, `zh` Simplified Chinese (zh-Hans). */
export interface Label {
  readonly en: string;
  readonly zh: string;
}
export type Language = keyof Label;
export const LANGUAGES: readonly Language[] = frozen(["en", "zh"]);

/**
 * An integer that is a time: `time-of-day` minutes after local midnight (600 reads "10:00"),
 * `utc-offset` minutes east of UTC (480 reads "UTC+8", -210 "UTC-3:30").
 */
export type Format = "time-of-day" | "utc-offset";
/**
 * A string that is a list. `phases`, a plan: "STATE:MINUTES" items, space-separated, in order
 * ("filling:1.4 heating:12.3"); it reads "2 phases, 13.7 min". `rooms`, the rooms on a robot's map:
 * "NAME:X0,Y0,X1,Y1" items, `;`-separated, each a rectangle in metres in the robot's frame (see
 * `parseRooms`); it reads "4 rooms: Bedroom, Hall, Living room, Kitchen".
 */
export type StringFormat = "phases" | "rooms";

/** The keys that are presentation, wherever a model or a member carries them: left out of the model hash. */
// Frozen, as every table a module makes as it loads: Moddable's linker keeps it in flash (hal/frozen.ts).
export const PRESENTATION_KEYS: readonly string[] = frozen(["label", "valueLabels", "codes", "format"]);

/** The language for a browser's or a terminal's locale tag ("zh-CN", "zh_CN.UTF-8" -> zh; anything else en). */
export function languageOf(tag: string | undefined): Language {
  return tag !== undefined && /^zh\b|^zh[-_]/i.test(tag) ? "zh" : "en";
}

/** A member's label in a language, or its name when the model gives none. */
export function labelOf(member: { readonly label?: Label } | undefined, name: string, lang: Language): string {
  return member?.label?.[lang] ?? name;
}

const YES_NO: readonly [Label, Label] = frozen([
  { en: "no", zh: "否" },
  { en: "yes", zh: "是" },
]);

/** A value as a person reads it: a label for an enum's value, a bool or an error code; a format; else the number and its unit. */
export function formatValue(spec: FieldSpec, value: unknown, lang: Language): string {
  if (value === undefined || value === null) return "–";
  if (spec.type === "bool") return ((spec.valueLabels ?? YES_NO)[value === true ? 1 : 0] as Label)[lang];
  if (spec.type === "enum") {
    const i = spec.values.indexOf(value as string | number);
    return spec.valueLabels?.[i]?.[lang] ?? String(value);
  }
  if (spec.type === "int" && typeof value === "number") {
    if (spec.format === "time-of-day") return timeOfDay(value);
    if (spec.format === "utc-offset") return utcOffset(value);
    const meaning = spec.codes?.[value];
    if (meaning !== undefined) return value === 0 ? meaning[lang] : `E${value} ${meaning[lang]}`;
  }
  if (spec.type === "string" && spec.format === "phases" && typeof value === "string") {
    const phases = parsePhases(value);
    const minutes = phases.reduce((n, p) => n + p.minutes, 0);
    const count = phases.length;
    if (count === 0) return "–";
    return lang === "zh" ? `${count} 个阶段，${minutes.toFixed(1)} 分钟` : `${count} phases, ${minutes.toFixed(1)} min`;
  }
  if (spec.type === "string" && spec.format === "rooms" && typeof value === "string") {
    const names = parseRooms(value).map((r) => r.name);
    if (names.length === 0) return lang === "zh" ? "无" : "none";
    return lang === "zh" ? `${names.length} 个房间：${names.join("、")}` : `${names.length} room${names.length === 1 ? "" : "s"}: ${names.join(", ")}`;
  }
  const unit = (spec.type === "int" || spec.type === "number") && spec.unit !== undefined ? ` ${spec.unit}` : "";
  return `${String(value)}${unit}`;
}

/** "filling:1.4 heating:12" -> [{ state: "filling", minutes: 1.4 }, ...]; an item that is not STATE:MINUTES is skipped. */
export function parsePhases(text: string): { state: string; minutes: number }[] {
  return text
    .split(" ")
    .map((item) => item.split(":"))
    .filter((p): p is [string, string] => p.length === 2 && p[0] !== "" && p[1]?.trim() !== "" && Number.isFinite(Number(p[1])))
    .map(([state, minutes]) => ({ state, minutes: Number(minutes) }));
}

/** A room on a robot's map: its name, and the rectangle it covers in metres (x0 <= x1, y0 <= y1). */
export interface Room {
  readonly name: string;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** At most this many rooms: a selection of them is a bitmask in 16 bits. */
export const MAX_ROOMS = 16;

/**
 * "Bedroom:-1.5,-5.4,1.2,-3;Hall:-1.5,-2.4,1.2,0" -> the rooms, in order: room n (from 1) is the
 * n-th item that reads as NAME:X0,Y0,X1,Y1 (a name without `:` or `;`, four numbers, metres in the
 * robot's frame: x to the right of its dock, y behind it, as its x and y properties). A cell belongs
 * to a room when its centre is inside the rectangle or on its edge. An item that does not read so is
 * skipped, and only the first MAX_ROOMS count.
 */
export function parseRooms(text: string): Room[] {
  const rooms: Room[] = [];
  for (const item of text.split(";")) {
    const colon = item.lastIndexOf(":");
    const name = item.slice(0, colon).trim();
    const n = item.slice(colon + 1).split(",").map((v) => (v.trim() === "" ? Number.NaN : Number(v)));
    if (colon < 0 || name === "" || n.length !== 4 || !n.every(Number.isFinite)) continue;
    const [a, b, c, d] = n as [number, number, number, number];
    rooms.push({ name, x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) });
    if (rooms.length === MAX_ROOMS) break;
  }
  return rooms;
}

/** The rooms as `parseRooms` reads them (coordinates to the centimetre). */
export function formatRooms(rooms: readonly Room[]): string {
  const m = (v: number): string => String(Math.round(v * 100) / 100 + 0);
  return rooms.map((r) => `${r.name}:${m(r.x0)},${m(r.y0)},${m(r.x1)},${m(r.y1)}`).join(";");
}

/** 600 -> "10:00". */
export function timeOfDay(minutes: number): string {
  const m = ((Math.round(minutes) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** 480 -> "UTC+8", -210 -> "UTC-3:30", 0 -> "UTC". */
export function utcOffset(minutes: number): string {
  if (minutes === 0) return "UTC";
  const a = Math.abs(Math.round(minutes));
  const rest = a % 60 === 0 ? "" : `:${String(a % 60).padStart(2, "0")}`;
  return `UTC${minutes < 0 ? "-" : "+"}${Math.floor(a / 60)}${rest}`;
}

/** "10:00" -> 600; "UTC+8" or "+8" or "-3:30" -> minutes; undefined when it is not one. */
export function parseFormatted(format: Format, text: string): number | undefined {
  const t = text.trim();
  if (format === "time-of-day") {
    const m = /^(\d{1,2}):(\d{2})$/.exec(t);
    if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59) return undefined;
    return Number(m[1]) * 60 + Number(m[2]);
  }
  if (/^UTC$/i.test(t)) return 0;
  const m = /^(?:UTC)?([+-])(\d{1,2})(?::(\d{2}))?$/i.exec(t);
  if (m === null || Number(m[3] ?? 0) > 59) return undefined;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** Checks a field's presentation once, as defineModel checks the rest; returns what is wrong, or undefined. */
export function presentationProblem(f: FieldSpec): string | undefined {
  if (f.type === "enum" && f.valueLabels !== undefined && f.valueLabels.length !== f.values.length) {
    return `valueLabels has ${f.valueLabels.length} labels for ${f.values.length} values`;
  }
  if (f.type === "int") {
    for (const key of Object.keys(f.codes ?? {})) {
      const code = Number(key);
      if (!Number.isInteger(code) || (f.min !== undefined && code < f.min) || (f.max !== undefined && code > f.max)) return `code ${key} is not a value of the field`;
    }
    if (f.format === "time-of-day" && ((f.min ?? -1) < 0 || (f.max ?? 1440) > 1439)) return "a time-of-day is minutes 0..1439: give min 0 and max at most 1439";
  }
  return undefined;
}

/** Named values as a person reads them: "Room temperature 27.3 °C, Target temperature 22 °C". Names the model lacks are shown as they are. */
export function describeValues(fields: Readonly<Record<string, FieldSpec>>, values: Readonly<Record<string, unknown>>, lang: Language): string {
  return Object.entries(values)
    .map(([name, value]) => {
      const spec = fields[name];
      return spec === undefined ? `${name} ${JSON.stringify(value)}` : `${labelOf(spec, name, lang)} ${formatValue(spec, value, lang)}`;
    })
    .join(lang === "zh" ? "，" : ", ");
}

/** A sentence in both languages, from one way of saying it. */
export function inBoth(say: (lang: Language) => string): Label {
  return { en: say("en"), zh: say("zh") };
}
