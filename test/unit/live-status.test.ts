import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitStatus, LiveStatus } from "../../sdk/desk/node/cli/live-status.js";

describe("the live status on a terminal", () => {
  it("fits any status line to any width: never longer, the line itself when it fits, else whole parts from the start then …", () => {
    const part = fc.string({ minLength: 1, maxLength: 30 }).filter((p) => !p.includes(" | "));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 200 }), (parts, width) => {
        const line = parts.join(" | ");
        const fitted = fitStatus(line, width);
        expect([...fitted].length).toBeLessThanOrEqual(width);
        if ([...line].length <= width) expect(fitted).toBe(line);
        else {
          expect(fitted.endsWith("…")).toBe(true);
          const kept = fitted.endsWith(" …") ? fitted.slice(0, -2) : fitted.slice(0, -1);
          expect(line.startsWith(kept)).toBe(true);
        }
      }),
    );
    expect(fitStatus("room 23.1 °C → 24.0 °C | Cool | compressor ON | fan Auto", 31)).toBe("room 23.1 °C → 24.0 °C | Cool …");
  });

  it("rewrites its lines in place: back up over the lines it drew, clear, draw; a printed line goes above", () => {
    let out = "";
    const live = new LiveStatus((t) => void (out += t), () => 20);
    live.show(["a | b", "c"]);
    expect(out).toBe("a | b\nc");
    out = "";
    live.show(["x", "y", "z"]);
    expect(out).toBe("\r\x1b[1A\x1b[Jx\ny\nz");
    out = "";
    live.print("hello");
    expect(out).toBe("\r\x1b[2A\x1b[Jhello\n");
    out = "";
    live.show(["q"]);
    expect(out).toBe("q");
  });
});
