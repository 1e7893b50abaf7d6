import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HalError } from "../../hal/errors.js";
import type { KeyEvent } from "../../hal/panel-io.js";
import { SimulatedH1 } from "../../hal/sim/h1-sim.js";

/** A chip in virtual time, its scheduler a list of timers run as time passes (as the board's is). */
function chip() {
  let now = 0;
  const timers: { at: number; fn: () => void; live: boolean; order: number }[] = [];
  let order = 0;
  const h1 = new SimulatedH1(() => now, undefined, {
    after(ms, fn) {
      const t = { at: now + ms, fn, live: true, order: order++ };
      timers.push(t);
      return { cancel: () => void (t.live = false) };
    },
  });
  const advance = (to: number): void => {
    for (;;) {
      const due = timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (due === undefined) break;
      due.live = false;
      now = due.at;
      due.fn();
    }
    now = to;
  };
  return { h1, advance, now: () => now };
}

function keys(h1: SimulatedH1, o: { longPressMs?: number; repeatKeys?: number; repeatMs?: number } = {}) {
  const events: KeyEvent[] = [];
  const k = new h1.io.TouchKeys({
    ...o,
    onReadable() {
      for (let e = this.read(); e !== undefined; e = this.read()) events.push(e);
    },
  });
  return { k, events };
}

describe("TouchKeys", () => {
  it("debounces: a touch counts once stable for 30 ms; bounces shorter than that are no press at all", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 29 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 40, max: 700 }), (bounces, held) => {
        const { h1, advance, now } = chip();
        const { events } = keys(h1);
        // A bouncing contact: toggles faster than the debounce time, then held, then let go cleanly.
        let down = false;
        for (const gap of bounces) {
          down = !down;
          h1.panel.touch(2, down);
          advance(now() + gap);
        }
        h1.panel.touch(2, true);
        const settledAt = now();
        advance(now() + held);
        h1.panel.touch(2, false);
        advance(now() + 100);
        expect(events).toEqual([{ key: 2, kind: "press", at: settledAt + held + 30 }]);
      }),
      { numRuns: 100 },
    );
  });

  it("a long press is one long event (no press), and a repeat key repeats while held", () => {
    const { h1, advance } = chip();
    const { events } = keys(h1, { longPressMs: 800, repeatKeys: 0b10, repeatMs: 200 });
    h1.panel.touch(0, true);
    advance(1500);
    h1.panel.touch(0, false);
    advance(2000);
    expect(events).toEqual([{ key: 0, kind: "long", at: 830 }]);
    events.length = 0;
    h1.panel.touch(1, true);
    advance(3300);
    h1.panel.touch(1, false);
    advance(3500);
    expect(events.map((e) => [e.kind, e.at])).toEqual([["long", 2830], ["repeat", 3030], ["repeat", 3230]]);
  });

  it("checks its options before claiming the key block, and a second open or a closed block is named", () => {
    const { h1 } = chip();
    expect(() => new h1.io.TouchKeys({ longPressMs: 10 })).toThrow(/longPressMs must be an integer 300\.\.5000, got 10/);
    expect(() => new h1.io.TouchKeys({ repeatKeys: 64 })).toThrow(/repeatKeys must be an integer 0\.\.63/);
    const k = new h1.io.TouchKeys({});
    expect(() => new h1.io.TouchKeys({})).toThrow(expect.objectContaining({ code: "pin-in-use" }));
    k.close();
    expect(() => k.read()).toThrow(expect.objectContaining({ code: "closed" }));
    new h1.io.TouchKeys({}).close();
  });
});

describe("Display", () => {
  it("shows text as seven-segment patterns, right-aligned, the points on their digits; refuses what it cannot show, naming it", () => {
    const { h1, advance } = chip();
    const d = new h1.io.Display({});
    d.write({ text: "25.5" });
    expect(h1.panel.display().segments).toEqual([0x00, 0x5b, 0x6d | 0x80, 0x6d]);
    d.write({ text: "Err" });
    expect(h1.panel.display().segments).toEqual([0x00, 0x79, 0x50, 0x50]);
    for (const [frame, option, text] of [
      [{ text: "12345" }, "text", /5 digits; the display has 4/],
      [{ text: "kw" }, "text", /cannot show "k"/],
      [{ text: "1", brightness: 9 }, "brightness", /brightness must be an integer 0\.\.7/],
      [{ text: "1", indicators: 256 }, "indicators", /0\.\.255/],
    ] as const) {
      expect(() => d.write(frame)).toThrow(HalError);
      expect(() => d.write(frame)).toThrow(text);
      try {
        d.write(frame);
      } catch (error) {
        expect((error as HalError).option).toBe(option);
      }
    }
    expect(d.read().text, "a refused frame changes nothing").toBe("Err");
    d.write({ text: "dr", blink: true });
    const lit = [0, 250, 500, 750, 1000].map((t) => (advance(t), h1.panel.display().lit));
    expect(lit).toEqual([true, true, false, false, true]);
    h1.reset("software");
    expect(h1.panel.display()).toMatchObject({ lit: false, segments: [0, 0, 0, 0] });
    expect(() => d.write({ text: "1" }), "the reset took the driver from the old instance").toThrow(expect.objectContaining({ code: "closed" }));
    new h1.io.Display({}).write({ text: "8.8.8.8." });
    expect(h1.panel.display().segments).toEqual([0xff, 0xff, 0xff, 0xff]);
  });
});
