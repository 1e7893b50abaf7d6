import "../../sdk/matter/node/configure.js";
import { QrCode } from "@matter/main/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { qrModules } from "../../sdk/matter/node/session.js";

/** The modules drawn again as matter.js draws them for a terminal: two rows a character, a one-module light border. */
function asTerminal(rows: readonly string[]): string {
  const n = rows.length;
  const light = (y: number, x: number): boolean => y >= n || rows[y]?.[x] === "0";
  const out = [`${"\u2584".repeat(n + 2)}\n`];
  for (let y = 0; y < n; y += 2) {
    let line = "\u2588";
    for (let x = 0; x < n; x++) line += light(y, x) ? (light(y + 1, x) ? "\u2588" : "\u2580") : light(y + 1, x) ? "\u2584" : "\u2800";
    out.push(`${line}\u2588\n`);
  }
  out.push(`${"\u2580".repeat(n + 2)}\n`);
  return out.join("");
}

describe("the Matter QR code the console draws", () => {
  it("is matter.js's own code for the payload, module for module (what the terminal prints)", () => {
    const rows = qrModules("MT:Y.K90YDA13.6RB4ML00");
    expect(rows).toHaveLength(21);
    for (const row of rows) expect(row).toMatch(/^[01]{21}$/);
    // Three finder patterns: a dark 7 by 7 ring at three corners.
    for (const [x, y] of [[0, 0], [14, 0], [0, 14]] as const) {
      expect(rows[y]?.slice(x, x + 7)).toBe("1111111");
      expect(rows[y + 1]?.slice(x, x + 7)).toBe("1000001");
      expect(rows[y + 3]?.slice(x, x + 7)).toBe("1011101");
    }
    expect(asTerminal(rows)).toBe(QrCode.encode("MT:Y.K90YDA13.6RB4ML00"));
  });

  it("property: for any payload matter.js encodes, the modules draw back to its rendering", () => {
    const payload = fc.stringMatching(/^MT:[0-9A-Z.-]{19}$/);
    fc.assert(
      fc.property(payload, (p) => {
        expect(asTerminal(qrModules(p))).toBe(QrCode.encode(p));
      }),
      { numRuns: 50 },
    );
  });
});
