import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HalError } from "../../hal/errors.js";
import { H1 } from "../../hal/h1.js";
import type { MainsState } from "../../hal/mains-io.js";
import { SimulatedH1 } from "../../hal/sim/h1-sim.js";

/**
 * The mains block from its contract (hal/MAINS.md): every check below is
 * worked out from the crossings the simulated mains made (its log) and the
 * contract's words, not from the block's own arithmetic.
 */
const { resolutionUs } = H1.appliance.triac;
const [GATE, GATE2] = H1.appliance.triac.pins;
const ZC = H1.appliance.zeroCross.pin;
const STEP = resolutionUs / 1000;
const { minHz, maxHz, toleranceUs, lossMs } = H1.appliance.zeroCross;
/** The contract's regular half-cycle: 45..65 Hz, give or take the tolerance. */
const regular = (ms: number): boolean => ms >= 500 / maxHz - toleranceUs / 1000 && ms <= 500 / minHz + toleranceUs / 1000;

/** A chip in virtual time: the board's scheduler is a list of timers run as time passes. */
function bench(seed = 1) {
  let now = 0;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  const h1 = new SimulatedH1(() => now, undefined, {
    after(ms, fn) {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return { cancel: () => void (t.live = false) };
    },
  });
  void seed;
  const advance = (to: number): void => {
    for (;;) {
      const due = timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      now = due.at;
      due.fn();
    }
    now = to;
    h1.mains.advance(now);
  };
  h1.mains.firings = [];
  h1.mains.crossingLog = [];
  return { h1, advance, now: () => now };
}

/** The detector's half-period before crossing i: the mean of up to 8 regular intervals before it (the contract's measure). */
function measuredBefore(log: number[], i: number): number {
  const intervals: number[] = [];
  for (let k = i; k >= 1 && intervals.length < 8; k--) {
    const d = (log[k] as number) - (log[k - 1] as number);
    if (!regular(d)) break;
    intervals.push(d);
  }
  return intervals.reduce((a, b) => a + b, 0) / intervals.length;
}

const supply = fc.record({ hz: fc.double({ min: 45, max: 65, noNaN: true }), jitterUs: fc.integer({ min: 0, max: 300 }) });

describe("Triac, phase-angle control", () => {
  it("every gate fires at its commanded angle after each crossing, within the H1's resolution, and never without one", () => {
    fc.assert(
      fc.property(supply, fc.double({ min: 1, max: 180, noNaN: true }), ({ hz, jitterUs }, angle) => {
        const { h1, advance } = bench();
        h1.mains.set({ hz, jitterUs });
        const triac = new h1.io.Triac({ pin: GATE as number });
        triac.write({ mode: "phase", angle });
        advance(1000);
        const log = h1.mains.crossingLog as number[];
        const firings = h1.mains.firings as { crossing: number; at: number }[];
        expect(firings.length).toBeGreaterThan(0);
        if (angle >= 10) expect(firings.length, "one a half-cycle: nothing dropped when jitter cannot reach the instant").toBeGreaterThan(2 * hz * 0.9 - 4);
        for (const f of firings) {
          const i = log.indexOf(f.crossing);
          expect(i, "fired from a crossing the mains made").toBeGreaterThan(0);
          const commanded = ((180 - angle) / 180) * measuredBefore(log, i);
          expect(Math.abs(f.at - f.crossing - commanded)).toBeLessThanOrEqual(STEP / 2 + 1e-9);
          const next = log[i + 1];
          if (next !== undefined) expect(f.at).toBeLessThan(next);
        }
        // One firing per half-cycle once it took effect (from the first positive-going crossing with a measured
        // mains), but for a half-cycle that jitter cut shorter than the commanded instant.
        const from = log.indexOf((firings[0] as { crossing: number }).crossing);
        const fired = new Set(firings.map((f) => f.crossing));
        log.slice(from, -1).forEach((c, k) => {
          const next = log[from + k + 1] as number;
          const instant = c + ((180 - angle) / 180) * measuredBefore(log, from + k);
          if (!fired.has(c)) expect(instant, `half-cycle at ${c} dropped only when its instant is at the next crossing or past it`).toBeGreaterThan(next - STEP);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe("Triac, burst (cycle) control", () => {
  it("conducts exactly `on` of every `period` half-cycles, in whole mains cycles (no DC), switched at the crossing", () => {
    const setting = fc.integer({ min: 1, max: 50 }).chain((p) => fc.record({ period: fc.constant(2 * p), on: fc.integer({ min: 0, max: p }).map((o) => 2 * o) }));
    fc.assert(
      fc.property(supply, setting, ({ hz, jitterUs }, { on, period }) => {
        const { h1, advance } = bench();
        h1.mains.set({ hz, jitterUs });
        const triac = new h1.io.Triac({ pin: GATE as number });
        advance(100);
        triac.write({ mode: "burst", on, period });
        advance(100 + (period / (2 * hz)) * 1000 * 6 + 100);
        const log = h1.mains.crossingLog as number[];
        const fired = new Set((h1.mains.firings as { crossing: number; at: number }[]).map((f) => (expect(f.at).toBe(f.crossing), f.crossing)));
        // The pattern starts at the first crossing after the write that is positive-going: crossings alternate from the first.
        const start = log.findIndex((c, i) => c > 100 && i % 2 === 0);
        const halves = log.slice(start).map((c) => fired.has(c));
        for (let w = 0; w + period <= halves.length; w += period) expect(halves.slice(w, w + period).filter(Boolean).length).toBe(on);
        for (let k = 0; k + 1 < halves.length; k += 2) expect(halves[k + 1], `half-cycle ${k + 1} conducts with its pair`).toBe(halves[k]);
        expect(log.slice(0, start).some((c) => fired.has(c)), "nothing before the setting took effect").toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe("a lost mains", () => {
  it("stops every gate within one half-cycle, reports the loss, and the gates come back only on a measured mains", () => {
    fc.assert(
      fc.property(supply, fc.integer({ min: 200, max: 900 }), fc.integer({ min: 5, max: 400 }), ({ hz, jitterUs }, dropAt, outageMs) => {
        const { h1, advance } = bench();
        h1.mains.set({ hz, jitterUs });
        const states: { state: MainsState; at: number }[] = [];
        let t = 0;
        const zc = new h1.io.ZeroCross({ pin: ZC, onReadable: () => states.push({ state: zc.read().mains, at: t }) });
        const phase = new h1.io.Triac({ pin: GATE as number });
        const burst = new h1.io.Triac({ pin: GATE2 as number });
        phase.write({ mode: "phase", angle: 90 });
        burst.write({ mode: "burst", on: 2, period: 4 });
        advance((t = dropAt));
        h1.mains.set({ present: false });
        const lastBefore = (h1.mains.crossingLog as number[]).filter((c) => c <= dropAt).at(-1) as number;
        const half = 500 / hz;
        advance((t = dropAt + outageMs));
        const firings = h1.mains.firings as { at: number }[];
        const during = firings.filter((f) => f.at > lastBefore + half + (2 * jitterUs) / 1000);
        expect(during, "no gate fires more than a half-cycle after the last crossing").toEqual([]);
        const lost = outageMs > lossMs + half;
        if (lost) expect(zc.read()).toMatchObject({ mains: "lost", hz: 0 });
        h1.mains.set({ present: true });
        advance((t = dropAt + outageMs + 200));
        // A crossing may fall on the very instant the mains returns.
        const back = (h1.mains.crossingLog as number[]).filter((c) => c >= dropAt + outageMs);
        const resumed = firings.filter((f) => f.at >= dropAt + outageMs);
        expect(resumed.length).toBeGreaterThan(0);
        if (lost) expect(Math.min(...resumed.map((f) => f.at)), "not from the first crossing back: nothing to measure it by").toBeGreaterThanOrEqual(back[1] as number);
        expect(zc.read().mains).toBe("ok");
      }),
      { numRuns: 60, examples: [[{ hz: 60.20132440616446, jitterUs: 49 }, 895, 34]] },
    );
  });

  it("ZeroCross measures the frequency, counts crossings and says when the mains is irregular, without a call per crossing", () => {
    const { h1, advance } = bench();
    h1.mains.set({ hz: 60 });
    let calls = 0;
    const zc = new h1.io.ZeroCross({ pin: ZC, onReadable: () => void calls++ });
    advance(2000);
    const r = zc.read();
    expect(r.hz).toBeCloseTo(60, 6);
    expect(r.crossings).toBe((h1.mains.crossingLog as number[]).length);
    expect(r.at).toBe((h1.mains.crossingLog as number[]).at(-1));
    expect(calls, "lost -> ok, once").toBe(1);
    h1.mains.set({ hz: 30 }); // a generator hunting, a brown-out's sag: outside 45..65 Hz
    advance(3000);
    expect(zc.read().mains).toBe("irregular");
    expect(calls).toBe(2);
  });
});

describe("Triac and ZeroCross as IO classes", () => {
  it("checks every option before claiming anything, names what is wrong, and closing or a reset releases everything", () => {
    const { h1, advance } = bench();
    const refused = (make: () => unknown, code: string, option: string, text: RegExp): void => {
      try {
        make();
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(HalError);
        expect(error).toMatchObject({ code, option });
        expect((error as Error).message).toMatch(text);
      }
    };
    refused(() => new h1.io.Triac({ pin: 3 }), "unknown-pin", "pin", /pin 3 has no triac gate driver.*19, 21, 22, 23/);
    refused(() => new h1.io.Triac({ pin: GATE as number, onError: 5 as never }), "bad-option", "onError", /onError must be a function/);
    expect(h1.owner(GATE as number), "a refused open claims nothing").toBeUndefined();
    refused(() => new h1.io.ZeroCross({ pin: 11 }), "unknown-pin", "pin", /pin 11 has no zero-cross detector.*pin 10/);
    const triac = new h1.io.Triac({ pin: GATE as number });
    refused(() => new h1.io.Triac({ pin: GATE as number }), "pin-in-use", "pin", /already in use by Triac/);
    refused(() => triac.write({ mode: "phase", angle: 200 }), "bad-option", "angle", /0\.\.180/);
    refused(() => triac.write({ mode: "burst", on: 3, period: 10 }), "bad-option", "on", /even number.*DC/);
    refused(() => triac.write({ mode: "burst", on: 4, period: 2 }), "bad-option", "on", /0\.\.2/);
    refused(() => triac.write({ mode: "dim" } as never), "bad-option", "mode", /not one of off, phase, burst/);
    expect(triac.read(), "a refused write changes nothing").toEqual({ mode: "off" });
    triac.write({ mode: "phase", angle: 120 });
    advance(500);
    expect((h1.mains.firings as unknown[]).length).toBeGreaterThan(40);
    triac.close();
    const closedAt = 500;
    advance(1000);
    expect((h1.mains.firings as { at: number }[]).filter((f) => f.at > closedAt)).toEqual([]);
    expect(h1.owner(GATE as number)).toBeUndefined();
    refused(() => triac.write({ mode: "off" }), "closed", undefined as never, /closed/);
    const again = new h1.io.Triac({ pin: GATE as number });
    again.write({ mode: "burst", on: 2, period: 2 });
    advance(1500);
    h1.reset("watchdog");
    advance(2500);
    expect((h1.mains.firings as { at: number }[]).filter((f) => f.at > 1500)).toEqual([]);
    expect(h1.owner(GATE as number)).toBeUndefined();
  });
});
