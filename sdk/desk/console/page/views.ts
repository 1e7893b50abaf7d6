import type { EnumSpec, ModelSpec } from "../../../thing/model.js";
import { formatValue, labelOf, parsePhases } from "../../../thing/presentation.js";
import type { FirstView, Sample, View } from "./api.js";
import { clock, onPeriods } from "./series.js";
import { language, t } from "./words.js";

/** A view made for one kind of appliance, beside its card's generic parts. */
export interface ApplianceView {
  readonly element: HTMLElement;
  update(view: View, samples: readonly Sample[]): void;
}

type FirstLoad = FirstView;
const SVG = "http://www.w3.org/2000/svg";
/** A vacuum drives a cell or two between one-second samples (more in a thinned history): a longer jump means it was carried. */
const CARRIED_CELLS = 8;

/** The view for an appliance's model, by the model's id; undefined for a model without one. */
export function viewFor(model: ModelSpec, first: FirstLoad): ApplianceView | undefined {
  switch (model.id) {
    case "hearth.vacuum":
      return first.floorPlan === null ? undefined : new FloorMap(model, first.floorPlan);
    case "hearth.washer":
      return new ProgramTimeline(model);
    case "hearth.aircon":
      return new Periods(model, ["compressor"], true);
    case "hearth.fridge":
      return new Periods(model, ["doorOpen", "doorAlarm", "compressor"], false);
    default:
      return undefined;
  }
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function box(className: string, title: string): [HTMLElement, HTMLElement] {
  const element = document.createElement("figure");
  element.className = `view ${className}`;
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  element.append(caption);
  return [element, caption];
}

/**
 * The vacuum's floor: the plan of the flat with its rooms and the dock, the
 * path the robot has cleaned and where it is now, from the position it
 * reports (x and y, metres from its dock: the model's revision 2).
 */
class FloorMap implements ApplianceView {
  readonly element: HTMLElement;
  private readonly path = svg("g", { class: "path" });
  private readonly robot = svg("circle", { r: 0.45, class: "robot" });
  private readonly info = document.createElement("p");

  constructor(
    private readonly model: ModelSpec,
    private readonly plan: NonNullable<FirstLoad["floorPlan"]>,
  ) {
    [this.element] = box("floor-map", t("map"));
    this.element.dataset["floorMap"] = "";
    const rows = plan.rows;
    const width = Math.max(...rows.map((r) => r.length));
    const drawing = svg("svg", { viewBox: `0 0 ${width} ${rows.length}`, role: "img", "aria-label": t("map") });
    rows.forEach((row, y) => {
      for (let x = 0; x < row.length; x++) {
        const c = row[x];
        if (c === "#" || c === "v") drawing.append(svg("rect", { x, y, width: 1.02, height: 1.02, class: c === "#" ? "wall" : "drop" }));
      }
    });
    for (const room of plan.rooms) {
      drawing.append(svg("rect", { x: room.x, y: room.y, width: room.w, height: room.h, class: "room" }));
      const name = svg("text", { x: room.x + room.w / 2, y: room.y + room.h / 2, class: "room-name" });
      name.textContent = room.label[language];
      drawing.append(name);
    }
    const dock = svg("rect", { x: plan.dock.x + 0.1, y: plan.dock.y + 0.1, width: 0.8, height: 0.8, class: "dock" });
    const dockName = svg("text", { x: plan.dock.x + 0.5, y: plan.dock.y - 0.3, class: "dock-name" });
    dockName.textContent = t("dock");
    drawing.append(dock, dockName, this.path, this.robot);
    this.element.append(drawing, this.info);
  }

  update(view: View, samples: readonly Sample[]): void {
    const cell = this.plan.cellM;
    const at = (s: Sample): [number, number] | undefined => {
      const x = s.values["x (reported)"];
      const y = s.values["y (reported)"];
      return x === undefined || y === undefined ? undefined : [this.plan.dock.x + 0.5 + x / cell, this.plan.dock.y + 0.5 + y / cell];
    };
    // The path since the robot last left its dock: runs of positions, broken where it was carried
    // (a jump of more cells than it drives between two samples).
    const state = this.model.properties["state"] as EnumSpec;
    const docked = state.values.indexOf("docked");
    let from = 0;
    samples.forEach((s, i) => {
      if (s.values["state (reported)"] === docked && samples[i + 1]?.values["state (reported)"] !== docked) from = i;
    });
    const runs: [number, number][][] = [];
    let last: [number, number] | undefined;
    for (const s of samples.slice(from)) {
      const p = at(s);
      if (p === undefined) continue;
      if (last !== undefined && p[0] === last[0] && p[1] === last[1]) continue;
      if (last === undefined || Math.hypot(p[0] - last[0], p[1] - last[1]) > CARRIED_CELLS) runs.push([]);
      runs.at(-1)?.push(p);
      last = p;
    }
    this.path.replaceChildren(...runs.map((run) => svg("polyline", { points: run.map(([x, y]) => `${x},${y}`).join(" ") })));
    this.path.dataset["points"] = String(runs.reduce((n, r) => n + r.length, 0));
    const now = view.reported["x"] === undefined ? undefined : [this.plan.dock.x + 0.5 + Number(view.reported["x"]) / cell, this.plan.dock.y + 0.5 + Number(view.reported["y"]) / cell];
    this.robot.setAttribute("visibility", now === undefined ? "hidden" : "visible");
    if (now !== undefined) {
      this.robot.setAttribute("cx", String(now[0]));
      this.robot.setAttribute("cy", String(now[1]));
    }
    const props = this.model.properties;
    this.info.textContent = ["state", "area", "battery"]
      .filter((n) => props[n] !== undefined)
      .map((n) => `${labelOf(props[n], n, language)} ${formatValue(props[n]!, view.reported[n], language)}`)
      .join(" · ");
  }
}

/** A phase of a washer's program: its state's name and minutes. */
interface Phase {
  state: string;
  minutes: number;
}

/**
 * The washer's program as a timeline: the phases the washer planned (its
 * `plan`, model revision 2) over the phases it has been through (its `state`
 * over time), on one scale of minutes, with the time left.
 */
class ProgramTimeline implements ApplianceView {
  readonly element: HTMLElement;
  private readonly planned = document.createElement("div");
  private readonly actual = document.createElement("div");
  private readonly left = document.createElement("p");

  constructor(private readonly model: ModelSpec) {
    [this.element] = box("timeline", t("timeline"));
    this.element.dataset["timeline"] = "";
    const row = (name: string, bar: HTMLElement, key: string): HTMLElement => {
      const r = document.createElement("div");
      r.className = "timeline-row";
      bar.className = "bar";
      bar.dataset[key] = "";
      r.append(Object.assign(document.createElement("span"), { className: "row-name", textContent: name }), bar);
      return r;
    };
    this.element.append(row(t("planned"), this.planned, "planned"), row(t("actual"), this.actual, "actual"), this.left);
  }

  update(view: View, samples: readonly Sample[]): void {
    const state = this.model.properties["state"] as EnumSpec;
    const planned = parsePhases(String(view.reported["plan"] ?? ""));
    const actual = phasesSince(samples, state);
    const total = Math.max(1, planned.reduce((n, p) => n + p.minutes, 0), actual.reduce((n, p) => n + p.minutes, 0));
    const paint = (bar: HTMLElement, phases: Phase[]): void => {
      bar.replaceChildren(
        ...phases.map((p) => {
          const block = document.createElement("span");
          block.className = `phase phase-${p.state}`;
          block.dataset["phase"] = p.state;
          block.style.width = `${(100 * p.minutes) / total}%`;
          const name = formatValue(state, p.state, language);
          block.title = `${name} ${p.minutes.toFixed(1)} min`;
          block.textContent = name;
          return block;
        }),
      );
    };
    paint(this.planned, planned);
    paint(this.actual, actual);
    const remaining = this.model.properties["remaining"];
    this.left.textContent = remaining === undefined ? "" : `${labelOf(remaining, "remaining", language)}: ${formatValue(remaining, view.reported["remaining"], language)}`;
  }
}

/** The states the washer has been through since it last started (left idle or done), with the minutes in each. */
function phasesSince(samples: readonly Sample[], spec: EnumSpec): Phase[] {
  const resting = new Set(["idle", "done"].map((s) => spec.values.indexOf(s)));
  let from = samples.length;
  for (let i = samples.length - 1; i >= 0; i--) {
    const v = samples[i]?.values["state (reported)"];
    if (v === undefined) continue;
    if (resting.has(v) && i < samples.length - 1 && !resting.has(samples[i + 1]?.values["state (reported)"] ?? -1)) break;
    from = i;
  }
  const phases: Phase[] = [];
  for (let i = from; i < samples.length; i++) {
    const s = samples[i] as Sample;
    const v = s.values["state (reported)"];
    if (v === undefined) continue;
    const name = String(spec.values[v]);
    const minutes = ((samples[i + 1]?.at ?? s.at) - s.at) / 60_000;
    if (phases.at(-1)?.state === name) (phases.at(-1) as Phase).minutes += minutes;
    else phases.push({ state: name, minutes });
  }
  return phases.filter((p) => !resting.has(spec.values.indexOf(p.state)) || p === phases.at(-1));
}

/**
 * When boolean properties were true over the history shown: a strip per
 * property (the fridge's door and its alarm, the compressor), with how many
 * periods and how long; for a compressor, its cycles and duty.
 */
class Periods implements ApplianceView {
  readonly element: HTMLElement;
  private readonly strips = new Map<string, [HTMLElement, HTMLElement]>();

  constructor(
    model: ModelSpec,
    private readonly names: readonly string[],
    private readonly cycles: boolean,
  ) {
    [this.element] = box("periods", names.map((n) => labelOf(model.properties[n], n, language)).join(" · "));
    this.element.dataset["periods"] = "";
    for (const name of names) {
      const row = document.createElement("div");
      row.className = "timeline-row";
      const bar = document.createElement("div");
      bar.className = "bar strip";
      bar.dataset["strip"] = name;
      const info = document.createElement("span");
      info.className = "strip-info";
      row.append(Object.assign(document.createElement("span"), { className: "row-name", textContent: labelOf(model.properties[name], name, language) }), bar, info);
      this.element.append(row);
      this.strips.set(name, [bar, info]);
    }
  }

  update(_view: View, samples: readonly Sample[]): void {
    const t0 = samples[0]?.at ?? 0;
    const span = Math.max(1, (samples.at(-1)?.at ?? 0) - t0);
    for (const name of this.names) {
      const [bar, info] = this.strips.get(name) as [HTMLElement, HTMLElement];
      const periods = onPeriods(samples, `${name} (reported)`);
      bar.replaceChildren(
        ...periods.map(([a, b]) => {
          const block = document.createElement("span");
          block.className = "on";
          block.style.left = `${(100 * (a - t0)) / span}%`;
          block.style.width = `${Math.max(0.3, (100 * (b - a)) / span)}%`;
          block.title = `${clock(a)}–${clock(b)}`;
          return block;
        }),
      );
      const onMs = periods.reduce((n, [a, b]) => n + b - a, 0);
      const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;
      info.textContent = this.cycles
        ? `${periods.length} ${t("cycles")} · ${Math.round((100 * onMs) / span)}% · ${periods.length === 0 ? "" : `⌀ ${minutes(onMs / periods.length)}`}`
        : `${periods.length}× · ${minutes(onMs)}`;
      bar.dataset["periods"] = String(periods.length);
    }
  }
}
