import uPlot from "uplot";
import uPlotCss from "uplot/dist/uPlot.min.css";
import type { ModelSpec } from "../../../thing/model.js";
import type { Sample } from "./api.js";
import { seriesLabel, seriesUnit, isPeriod, clock, onPeriods } from "./series.js";
import { t } from "./words.js";

const COLOURS = ["#c4501a", "#1f6fb2", "#2e7d32", "#8e44ad", "#b8860b", "#555", "#00838f", "#ad1457"];
const PERIOD_COLOURS = ["rgba(31,111,178,.13)", "rgba(198,40,40,.16)", "rgba(46,125,50,.13)", "rgba(184,134,11,.16)"];
/** Nice steps for the time axis, in simulated seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

let styled = false;

/**
 * The history of an appliance as uPlot draws it: an axis per unit (units on
 * the axes), simulated time ticks, a boolean property as shaded periods (a
 * door open, a compressor running) rather than a line; drag to zoom, the
 * wheel zooms about the pointer, the arrows pan, "Show all" goes back; CSV of
 * what is shown.
 */
export class Chart {
  readonly shown = new Set<string>();
  readonly element = document.createElement("div");
  private readonly plotBox = document.createElement("div");
  private plot: uPlot | undefined;
  private plotted = "";
  private samples: readonly Sample[] = [];
  /** The x range a person zoomed to (seconds), or undefined: follow the newest. */
  private zoomed: { min: number; max: number } | undefined;

  /** `onZoom` hears each zoom (simulated ms), to load the history of that span in full. */
  constructor(
    private readonly model: ModelSpec,
    private readonly name: string,
    private readonly onZoom: (from: number, to: number) => void = () => undefined,
  ) {
    if (!styled) {
      const style = document.createElement("style");
      style.textContent = uPlotCss;
      document.head.append(style);
      styled = true;
    }
    this.element.className = "chart";
    this.plotBox.dataset["chart"] = "";
    this.plotBox.className = "plot";
    this.plotBox.setAttribute("role", "img");
    this.plotBox.setAttribute("aria-label", `${t("chart")}: ${name}`);
    const tools = document.createElement("div");
    tools.className = "chart-tools";
    const button = (text: string, label: string, onClick: () => void, data: string): HTMLButtonElement => {
      const b = document.createElement("button");
      b.textContent = text;
      b.setAttribute("aria-label", label);
      b.dataset[data] = "";
      b.onclick = onClick;
      tools.append(b);
      return b;
    };
    button("◀", "pan back", () => this.pan(-0.5), "panBack");
    button("▶", "pan on", () => this.pan(0.5), "panOn");
    button(t("resetZoom"), t("resetZoom"), () => this.showAll(), "showAll");
    button(t("exportCsv"), t("exportCsv"), () => this.download(), "csv");
    this.element.append(this.plotBox, tools);
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(this.plotBox);
    this.plotBox.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
  }

  /** The x range shown now, simulated seconds; undefined before a draw. */
  get range(): { min: number; max: number } | undefined {
    const x = this.plot?.scales["x"];
    return x?.min === undefined || x.max === undefined || x.min === null || x.max === null ? undefined : { min: x.min, max: x.max };
  }

  draw(samples: readonly Sample[]): void {
    this.samples = samples;
    const keys = [...this.shown].sort();
    const signature = keys.join("\n");
    if (this.plot === undefined || signature !== this.plotted) this.build(keys);
    const plot = this.plot as uPlot;
    plot.setData(this.data(keys), this.zoomed === undefined);
    if (this.zoomed !== undefined) plot.setScale("x", this.zoomed);
  }

  /** Zooms to simulated seconds `min..max` (what a drag selects). */
  zoom(min: number, max: number): void {
    if (!(max > min)) return;
    this.zoomed = { min, max };
    this.plot?.setScale("x", this.zoomed);
    this.onZoom(min * 1000, max * 1000);
  }

  colour(key: string): string {
    return COLOURS[this.lines().indexOf(key) % COLOURS.length] ?? (isPeriod(this.model, key) ? "#1f6fb2" : "#555");
  }

  private lines(): string[] {
    return [...this.shown].sort().filter((k) => !isPeriod(this.model, k));
  }

  private build(keys: string[]): void {
    this.plot?.destroy();
    this.plotted = keys.join("\n");
    const lines = keys.filter((k) => !isPeriod(this.model, k));
    const periods = keys.filter((k) => isPeriod(this.model, k));
    const units = [...new Set(lines.map((k) => seriesUnit(this.model, k)))];
    const scaleOf = (unit: string): string => `u:${unit}`;
    const opts: uPlot.Options = {
      ...this.size(),
      legend: { show: false },
      // A drag selects; the select hook zooms, so a zoom is one thing whoever makes it.
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: false } },
      series: [
        {},
        ...lines.map((k, i): uPlot.Series => ({ label: seriesLabel(this.model, k), scale: scaleOf(seriesUnit(this.model, k)), stroke: COLOURS[i % COLOURS.length] as string, width: 1.5, points: { show: false } })),
      ],
      axes: [
        {
          incrs: TIME_STEPS,
          values: (_u, splits) => splits.map((s) => clock(s * 1000)),
          size: 30,
          font: "11px system-ui",
          stroke: "#666",
          grid: { stroke: "#eee" },
        },
        ...units.map(
          (unit, i): uPlot.Axis => ({
            scale: scaleOf(unit),
            label: unit === "" ? "" : unit,
            labelSize: 14,
            labelFont: "11px system-ui",
            font: "11px system-ui",
            size: 44,
            side: i % 2 === 0 ? 3 : 1,
            stroke: "#666",
            grid: { show: i === 0, stroke: "#eee" },
          }),
        ),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            this.zoom(u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x"));
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        drawClear: [(u) => this.shade(u, periods)],
      },
    };
    this.plot = new uPlot(opts, this.data(keys), this.plotBox);
  }

  /** Shades the periods a boolean was true: over the plot's full height, one colour per property. */
  private shade(u: uPlot, periods: string[]): void {
    const { ctx, bbox } = u;
    periods.forEach((key, i) => {
      ctx.fillStyle = PERIOD_COLOURS[i % PERIOD_COLOURS.length] as string;
      for (const [from, to] of onPeriods(this.samples, key)) {
        const x0 = Math.max(bbox.left, u.valToPos(from / 1000, "x", true));
        const x1 = Math.min(bbox.left + bbox.width, u.valToPos(to / 1000, "x", true));
        if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
      }
    });
  }

  private data(keys: string[]): uPlot.AlignedData {
    const lines = keys.filter((k) => !isPeriod(this.model, k));
    return [this.samples.map((s) => s.at / 1000), ...lines.map((k) => this.samples.map((s) => s.values[k] ?? null))];
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.plotBox.clientWidth), height: 200 };
  }

  private pan(fraction: number): void {
    const r = this.range;
    if (r === undefined) return;
    const d = (r.max - r.min) * fraction;
    this.zoom(r.min + d, r.max + d);
  }

  private wheel(e: WheelEvent): void {
    const r = this.range;
    const plot = this.plot;
    if (r === undefined || plot === undefined) return;
    e.preventDefault();
    const at = plot.posToVal(e.clientX - plot.over.getBoundingClientRect().left, "x");
    const factor = e.deltaY < 0 ? 0.8 : 1.25;
    this.zoom(at - (at - r.min) * factor, at + (r.max - at) * factor);
  }

  private showAll(): void {
    this.zoomed = undefined;
    this.draw(this.samples);
  }

  /** What is shown (the series ticked, the time zoomed to) as CSV: simulated seconds, then a column per series, its label and unit. */
  csv(): string {
    const keys = [...this.shown].sort();
    const r = this.range;
    const rows = this.samples.filter((s) => r === undefined || (s.at / 1000 >= r.min && s.at / 1000 <= r.max));
    const head = [t("time") + " (s)", ...keys.map((k) => `${seriesLabel(this.model, k)}${seriesUnit(this.model, k) === "" ? "" : ` (${seriesUnit(this.model, k)})`}`)];
    const quote = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    return [head.map(quote).join(","), ...rows.map((s) => [String(s.at / 1000), ...keys.map((k) => (s.values[k] === undefined ? "" : String(s.values[k])))].join(","))].join("\n") + "\n";
  }

  private download(): void {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([this.csv()], { type: "text/csv" }));
    link.download = `${this.name}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
}
