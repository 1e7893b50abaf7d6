import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Kernel, Priority, VirtualClock, type Fault } from "../../os/index.js";
import { HostClock, PacedClock } from "../../os/node/host-clock.js";

function setup(onFault?: (f: Fault) => void) {
  const clock = new VirtualClock();
  const kernel = new Kernel({ clock, seed: 42, ...(onFault ? { onFault } : {}) });
  return { clock, kernel };
}

describe("event loop", () => {
  it("runs higher priority first, FIFO within a priority, and never nests handlers", () => {
    const { clock, kernel } = setup();
    const order: string[] = [];
    let depth = 0;
    const h = (name: string, post?: () => void) => () => {
      depth++;
      expect(depth).toBe(1);
      order.push(name);
      post?.();
      depth--;
    };
    kernel.post(h("n1", () => kernel.post(h("h-from-n1"), Priority.High)));
    kernel.post(h("l1"), Priority.Low);
    kernel.post(h("n2"));
    kernel.post(h("h1"), Priority.High);
    clock.runFor(0);
    expect(order).toEqual(["h1", "n1", "h-from-n1", "n2", "l1"]);
  });

  it("dispatches in priority order whatever the handlers post, against a reference model (fast-check)", () => {
    // Each event, when run, posts its children; the reference always takes the oldest of the highest priority.
    type Spec = { priority: 0 | 1 | 2; children: Spec[] };
    const priority = fc.constantFrom(0 as const, 1 as const, 2 as const);
    const spec: fc.Arbitrary<Spec> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.record({ priority, children: fc.constant([] as Spec[]) }),
        fc.record({ priority, children: fc.array(tie("node") as fc.Arbitrary<Spec>, { maxLength: 3 }) }),
      ),
    })).node as fc.Arbitrary<Spec>;
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 8 }), (roots) => {
        let next = 0;
        const ids = new Map<Spec, number>();
        const id = (s: Spec): number => {
          if (!ids.has(s)) ids.set(s, next++);
          return ids.get(s) as number;
        };
        const expected: number[] = [];
        const queues: Spec[][] = [[], [], []];
        for (const r of roots) queues[r.priority]!.push(r);
        for (;;) {
          const q = queues[2]!.length > 0 ? queues[2]! : queues[1]!.length > 0 ? queues[1]! : queues[0]!;
          const s = q.shift();
          if (s === undefined) break;
          expected.push(id(s));
          for (const c of s.children) queues[c.priority]!.push(c);
        }
        const { clock, kernel } = setup();
        const got: number[] = [];
        const post = (s: Spec): void =>
          kernel.post(() => {
            got.push(id(s));
            for (const c of s.children) post(c);
          }, s.priority);
        for (const r of roots) post(r);
        clock.runFor(0);
        expect(got).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("contains a throwing handler and a rejecting promise, counts them, and goes on", async () => {
    const faults: Fault[] = [];
    const { clock, kernel } = setup((f) => faults.push(f));
    const ran: string[] = [];
    kernel.post(() => {
      throw new Error("boom");
    }, Priority.Normal, "bad-task");
    kernel.post(() => Promise.reject(new Error("later")), Priority.Normal, "async-task");
    kernel.post(() => ran.push("after"));
    clock.runFor(0);
    await Promise.resolve();
    expect(ran).toEqual(["after"]);
    expect(kernel.faultCount).toBe(2);
    expect(faults.map((f) => f.task)).toEqual(["bad-task", "async-task"]);
  });
});

describe("timers in virtual time", () => {
  it("fire in due order, ties in arming order, whatever order they were armed in", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(10_000), { minLength: 1, maxLength: 200 }), (delays) => {
        const { clock, kernel } = setup();
        const fired: { due: number; i: number; at: number }[] = [];
        delays.forEach((d, i) => kernel.after(d, () => fired.push({ due: d, i, at: clock.now() })));
        clock.runFor(10_001);
        const expected = delays.map((d, i) => ({ due: d, i, at: d })).sort((a, b) => a.due - b.due || a.i - b.i);
        expect(fired).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("periodic expiry n is at exactly start + n·P, with no drift over 100,000 periods", () => {
    const { clock, kernel } = setup();
    const start = clock.now();
    const times: number[] = [];
    kernel.every(7, () => times.push(clock.now()));
    // Unrelated load at odd times must not shift the grid.
    kernel.every(3, () => kernel.post(() => undefined));
    clock.runFor(700_000);
    expect(times.length).toBe(100_000);
    times.forEach((t, n) => expect(t).toBe(start + (n + 1) * 7));
  });

  it("a late loop skips missed ticks by default, or runs each of them with catch-up", () => {
    for (const late of ["skip", "catch-up"] as const) {
      const { clock, kernel } = setup();
      const times: number[] = [];
      kernel.every(10, () => times.push(clock.now()), { late });
      clock.runFor(10);
      clock.stall(55); // the loop was stuck: it is 65 and the ticks due at 20..60 were missed
      clock.runFor(30);
      if (late === "skip") expect(times).toEqual([10, 65, 70, 80, 90]);
      else expect(times).toEqual([10, 65, 65, 65, 65, 65, 70, 80, 90]);
    }
  });

  it("cancels from inside a callback, its own timer or another", () => {
    const { clock, kernel } = setup();
    const fired: string[] = [];
    const b = kernel.after(20, () => fired.push("b"));
    const a = kernel.every(10, () => {
      fired.push("a");
      a.cancel();
      b.cancel();
    });
    clock.runFor(100);
    expect(fired).toEqual(["a"]);
    expect(a.active || b.active).toBe(false);
    expect(kernel.pendingTimers).toBe(0);
  });

  it("holds 100,000 live timers and fires each once", () => {
    const { clock, kernel } = setup();
    let fired = 0;
    for (let i = 0; i < 100_000; i++) kernel.after(kernel.random.int(0, 60_000), () => fired++);
    expect(kernel.pendingTimers).toBe(100_000);
    clock.runFor(60_000);
    expect(fired).toBe(100_000);
  });

  it("sleep resolves on the kernel's clock, not the host's", async () => {
    const { clock, kernel } = setup();
    let woke = -1;
    void kernel.sleep(250).then(() => (woke = clock.now()));
    clock.runFor(249);
    await Promise.resolve();
    expect(woke).toBe(-1);
    clock.runFor(1);
    await Promise.resolve();
    expect(woke).toBe(250);
  });

  it("refuses a negative, non-finite or zero-period delay", () => {
    const { kernel } = setup();
    expect(() => kernel.after(-1, () => undefined)).toThrow(RangeError);
    expect(() => kernel.after(Number.NaN, () => undefined)).toThrow(/finite/);
    expect(() => kernel.every(0, () => undefined)).toThrow(/more than 0/);
  });
});

describe("seeded randomness", () => {
  it("the same seed gives the same stream; another seed another", () => {
    const a = setup().kernel.random;
    const b = setup().kernel.random;
    const c = new Kernel({ clock: new VirtualClock(), seed: 43 }).random;
    const take = (r: typeof a) => Array.from({ length: 50 }, () => r.u32());
    const sa = take(a);
    expect(take(b)).toEqual(sa);
    expect(take(c)).not.toEqual(sa);
  });

  it("draws uniformly enough: each decile of 100,000 draws within 5% of its share", () => {
    const r = setup().kernel.random;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(r.next() * 10)]!++;
    for (const n of bins) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});

describe("host clocks (Node)", () => {
  it("HostClock runs timers in real time, in order", async () => {
    const clock = new HostClock();
    const kernel = new Kernel({ clock });
    const fired: [string, number][] = [];
    const start = clock.now();
    await new Promise<void>((resolve) => {
      kernel.after(60, () => {
        fired.push(["b", clock.now() - start]);
        resolve();
      });
      kernel.after(20, () => fired.push(["a", clock.now() - start]));
    });
    clock.stop();
    expect(fired.map(([name]) => name)).toEqual(["a", "b"]);
    expect(fired[1]![1]).toBeGreaterThanOrEqual(60);
  });

  it("PacedClock runs virtual time at N times real time and stops at its limit", async () => {
    const clock = new PacedClock(1000);
    const kernel = new Kernel({ clock });
    let ticks = 0;
    kernel.every(1000, () => ticks++);
    clock.limit = 60_000;
    clock.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    clock.stop();
    expect(clock.now()).toBe(60_000); // 300 ms real would be 300 s at 1000x: the limit held
    expect(ticks).toBe(60);
  });
});
