import type { MatterPairing } from "../api.js";
import { t } from "./words.js";

const SVG = "http://www.w3.org/2000/svg";
/** Light modules around the code, as the QR specification asks. */
const QUIET = 4;

/**
 * The session's Matter bridge (hearth sim --matter): its QR code, drawn from
 * the modules the server computed, and its manual pairing code, for a person
 * to add the appliances to their home. Hidden without --matter.
 */
export class MatterPanel {
  readonly element = document.createElement("aside");
  private shown = "";

  constructor() {
    this.element.className = "matter";
    this.element.dataset["matter"] = "";
    this.element.hidden = true;
  }

  update(pairing: MatterPairing | null): void {
    const key = JSON.stringify(pairing);
    if (key === this.shown) return;
    this.shown = key;
    this.element.hidden = pairing === null;
    this.element.replaceChildren();
    if (pairing === null) return;
    const text = document.createElement("div");
    const title = document.createElement("h2");
    title.textContent = t("matterTitle");
    const how = document.createElement("p");
    how.textContent = t("matterHow");
    const code = document.createElement("p");
    code.className = "matter-code";
    code.append(`${t("matterCode")} `);
    const digits = document.createElement("strong");
    digits.dataset["matterCode"] = "";
    digits.textContent = grouped(pairing.manualPairingCode);
    code.append(digits);
    const payload = document.createElement("p");
    payload.className = "matter-payload";
    payload.dataset["matterPayload"] = "";
    payload.textContent = pairing.qrPairingCode;
    const state = document.createElement("p");
    state.dataset["matterState"] = pairing.commissioned ? "commissioned" : "waiting";
    state.textContent = `${pairing.commissioned ? t("matterCommissioned") : t("matterWaiting")} · UDP ${pairing.port}`;
    text.append(title, how, code, payload, state);
    this.element.append(qrSvg(pairing.qr, pairing.qrPairingCode), text);
  }
}

/** The QR code as one SVG path, a unit square per dark module, in a light quiet zone. */
function qrSvg(rows: readonly string[], payload: string): SVGSVGElement {
  const size = rows.length + 2 * QUIET;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${t("matterTitle")} QR ${payload}`);
  svg.dataset["matterQr"] = "";
  const light = document.createElementNS(SVG, "rect");
  light.setAttribute("width", String(size));
  light.setAttribute("height", String(size));
  light.setAttribute("fill", "#fff");
  let d = "";
  let dark = 0;
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (row[x] !== "1") continue;
      d += `M${x + QUIET} ${y + QUIET}h1v1h-1z`;
      dark++;
    }
  });
  const modules = document.createElementNS(SVG, "path");
  modules.setAttribute("d", d);
  modules.setAttribute("fill", "#000");
  svg.dataset["modules"] = String(dark);
  svg.append(light, modules);
  return svg;
}

/** 34970112332 -> "3497-011-2332", as Matter's manual codes are printed. */
function grouped(code: string): string {
  return code.length === 11 ? `${code.slice(0, 4)}-${code.slice(4, 7)}-${code.slice(7)}` : code;
}
