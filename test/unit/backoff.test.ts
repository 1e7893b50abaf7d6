import { describe, expect, it } from "vitest";
import { Random } from "../../os/random.js";
import { Backoff } from "../../sdk/device/link/backoff.js";

describe("reconnect backoff", () => {
  it("waits a uniformly random time in a window that doubles to a cap (full jitter)", () => {
    const random = new Random(3);
    const windows = [4000, 8000, 16000, 32000, 64000, 120000, 120000];
    for (const [attempt, window] of windows.entries()) {
      const delays: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const b = new Backoff(() => random.next());
        for (let n = 0; n < attempt; n++) b.next();
        delays.push(b.next());
      }
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(window);
      const mean = delays.reduce((a, d) => a + d, 0) / delays.length;
      expect(Math.abs(mean - window / 2)).toBeLessThan(window * 0.05); // uniform over the window
    }
  });

  it("starts again from the first window only after a connection stayed up long enough", () => {
    const b = new Backoff(() => 0.999, { baseMs: 1000, capMs: 60_000, stableMs: 30_000 });
    b.next();
    b.next();
    b.next();
    expect(b.attempts).toBe(3);
    b.connected(0);
    b.disconnected(5_000); // a flap: up for 5 s
    expect(b.attempts).toBe(3);
    expect(b.next()).toBeGreaterThan(7000); // the window kept growing (8 s)
    b.connected(10_000);
    b.disconnected(50_000); // up for 40 s
    expect(b.attempts).toBe(0);
    expect(b.next()).toBeLessThan(1000);
  });
});
