import type { Sample } from "./api.js";

const COLOURS = ["#c4501a", "#1f6fb2", "#2e7d32", "#8e44ad", "#b8860b", "#555"];

/**
 * A line chart of samples over simulated time, on a canvas: each chosen
 * series scaled to the others' shared range, the time axis in hours.
 */
export class Chart {
  readonly shown = new Set<string>();

  constructor(readonly canvas: HTMLCanvasElement) {}

  draw(samples: readonly Sample[]): void {
    const c = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    c.width = c.clientWidth * ratio;
    c.height = c.clientHeight * ratio;
    const g = c.getContext("2d");
    if (g === null) return;
    g.scale(ratio, ratio);
    const w = c.clientWidth;
    const h = c.clientHeight;
    g.clearRect(0, 0, w, h);
    const series = [...this.shown];
    const points = samples.filter((s) => series.some((name) => name in s.values));
    if (points.length < 2) {
      g.fillStyle = "#999";
      g.fillText("waiting for samples…", 10, 20);
      return;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of points) for (const name of series) {
      const v = s.values[name];
      if (v === undefined) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
    const t0 = (points[0] as Sample).at;
    const t1 = (points.at(-1) as Sample).at;
    const x = (t: number): number => 40 + ((t - t0) / Math.max(1, t1 - t0)) * (w - 50);
    const y = (v: number): number => h - 18 - ((v - lo) / (hi - lo)) * (h - 28);
    g.strokeStyle = "#e2ddd5";
    g.fillStyle = "#888";
    g.font = "11px system-ui";
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      g.beginPath();
      g.moveTo(40, y(v));
      g.lineTo(w - 10, y(v));
      g.stroke();
      g.fillText(v.toFixed(Math.abs(hi - lo) < 10 ? 1 : 0), 2, y(v) + 4);
    }
    g.fillText(`${(t0 / 3_600_000).toFixed(2)} h`, 40, h - 4);
    g.fillText(`${(t1 / 3_600_000).toFixed(2)} h`, w - 60, h - 4);
    series.forEach((name, i) => {
      g.strokeStyle = COLOURS[i % COLOURS.length] as string;
      g.lineWidth = 1.5;
      g.beginPath();
      let started = false;
      for (const s of points) {
        const v = s.values[name];
        if (v === undefined) continue;
        if (started) g.lineTo(x(s.at), y(v));
        else g.moveTo(x(s.at), y(v));
        started = true;
      }
      g.stroke();
    });
  }

  colour(name: string): string {
    return COLOURS[[...this.shown].indexOf(name) % COLOURS.length] ?? "#555";
  }
}
