import { post, type View } from "./api.js";

type PanelView = NonNullable<View["panel"]>;
const SVG = "http://www.w3.org/2000/svg";
/** Segments a..g of a seven-segment digit (a 40 x 70 cell), and its point. */
const SEGMENT_PATHS = [
  "M8 4h24l-4 5H12z", // a
  "M33 6l4 4v23l-4 3-4-4V11z", // b
  "M33 38l4 3v23l-4 4-4-5V42z", // c
  "M8 70h24l-4-5H12z", // d
  "M7 38l4 4v21l-4 5-4-4V41z", // e
  "M7 6l4 5v21l-4 4-4-3V10z", // f
  "M9 37l4-3h14l4 3-4 3H13z", // g
];

/**
 * An appliance's front panel, drawn from its board's definition: the
 * display's digits as the chip lights their segments, the indicator lights by
 * name, and the keys. A key held down in the page is held as long on the
 * simulated panel (the chip debounces it and times a long press).
 */
export class FrontPanel {
  readonly element = document.createElement("div");
  private readonly digits: SVGPathElement[][] = [];
  private readonly points: SVGCircleElement[] = [];
  private readonly lights: HTMLElement[] = [];
  private readonly screen: SVGSVGElement;

  constructor(
    panel: PanelView,
    private readonly keyUrl: string,
    private readonly failed: (message: string) => void,
  ) {
    this.element.className = "front-panel";
    this.element.dataset["frontPanel"] = "";
    this.screen = document.createElementNS(SVG, "svg");
    this.screen.setAttribute("viewBox", `0 0 ${panel.display.segments.length * 46 + 6} 78`);
    this.screen.classList.add("digits");
    this.screen.dataset["digits"] = "";
    panel.display.segments.forEach((_, i) => {
      const group = document.createElementNS(SVG, "g");
      group.setAttribute("transform", `translate(${6 + i * 46} 2) skewX(-6)`);
      this.digits.push(
        SEGMENT_PATHS.map((d) => {
          const path = document.createElementNS(SVG, "path");
          path.setAttribute("d", d);
          group.append(path);
          return path;
        }),
      );
      const point = document.createElementNS(SVG, "circle");
      point.setAttribute("cx", "41");
      point.setAttribute("cy", "68");
      point.setAttribute("r", "3");
      group.append(point);
      this.points.push(point);
      this.screen.append(group);
    });
    const lights = document.createElement("div");
    lights.className = "lights";
    for (const name of panel.indicators) {
      const light = document.createElement("span");
      light.className = "light";
      light.dataset["light"] = name;
      light.textContent = name;
      lights.append(light);
      this.lights.push(light);
    }
    const keys = document.createElement("div");
    keys.className = "keys";
    panel.keys.forEach((name, key) => {
      const button = document.createElement("button");
      button.className = "key";
      button.dataset["key"] = name;
      button.textContent = name;
      let downAt = 0;
      button.onpointerdown = () => void (downAt = performance.now());
      button.onpointerup = () => {
        const holdMs = Math.min(10_000, Math.max(120, Math.round(performance.now() - downAt)));
        post(this.keyUrl, { key, holdMs }).catch((error: unknown) => this.failed(`key ${name}: ${error instanceof Error ? error.message : String(error)}`));
      };
      keys.append(button);
    });
    this.element.append(this.screen, lights, keys);
    this.update(panel);
  }

  update(panel: PanelView): void {
    const d = panel.display;
    d.segments.forEach((pattern, i) => {
      this.digits[i]?.forEach((path, bit) => path.classList.toggle("on", d.lit && (pattern & (1 << bit)) !== 0));
      this.points[i]?.classList.toggle("on", d.lit && (pattern & 0x80) !== 0);
    });
    this.screen.dataset["segments"] = d.segments.join(",");
    this.screen.dataset["text"] = d.text;
    this.lights.forEach((light, i) => light.classList.toggle("on", (d.indicators & (1 << i)) !== 0));
  }
}
