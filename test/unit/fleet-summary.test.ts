import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shardRange, splitRange } from "../../sdk/desk/node/host/fleet-slices.js";
import { mergeSummaries, sliceSummary, SummaryMergeError, type FleetSummary } from "../../sdk/desk/node/host/fleet-summary.js";
import { bucketOf, bucketTop, LatencyHistogram } from "../../sdk/desk/node/host/histogram.js";

const latencies = fc.array(fc.double({ min: 0, max: 120_000, noNaN: true }), { maxLength: 400 });

/** What one slice with these devices and these set round trips would say (the other counts from the device indices). */
function summaryOf(from: number, to: number, samples: number[]): FleetSummary {
  const latency = new LatencyHistogram();
  for (const ms of samples) latency.recordMs(ms);
  return sliceSummary({
    range: { from, to },
    online: to - from,
    reportsMade: 3 * (to - from),
    reportsReceived: 3 * (to - from),
    sets: { sent: samples.length, answered: latency.count, latency },
    errors: { refused: 0, malformed: 0, failedSets: 0 },
    rampMs: 1000,
    wallMs: 2000,
    simulatedMs: 60_000,
    stopped: false,
  });
}

describe("fleet slices and their summaries", () => {
  it("n shards cover 0..count-1 once each, whatever n, and workers split a shard the same way", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), (count, of, workers) => {
        const seen = new Uint8Array(count);
        for (let i = 0; i < of; i++) for (const r of splitRange(shardRange(count, i, of), workers)) for (let d = r.from; d < r.to; d++) seen[d] = (seen[d] ?? 0) + 1;
        expect(seen.every((n) => n === 1)).toBe(true);
      }),
    );
  });

  it("a bucket holds its values within 1/64 of themselves, exactly below 128 µs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (us) => {
        const top = bucketTop(bucketOf(us));
        expect(top).toBeGreaterThanOrEqual(us);
        expect(top - us).toBeLessThanOrEqual(us < 128 ? 0 : us / 64);
        if (bucketOf(us) > 0) expect(bucketTop(bucketOf(us) - 1)).toBeLessThan(us);
      }),
    );
  });

  it("merge(split(samples)) is summary(samples): totals, ranges, p50 and p99", () => {
    fc.assert(
      fc.property(latencies, fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), (samples, cutsRaw, turn) => {
        const cuts = [...new Set(cutsRaw.map((c) => c % (samples.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...cuts, samples.length];
        // Slice k holds devices [10k, 10k+10) and the samples between two cuts.
        const parts = bounds.slice(1).map((end, k) => summaryOf(10 * k, 10 * (k + 1), samples.slice(bounds[k], end)));
        const whole = summaryOf(0, 10 * parts.length, samples);
        // Given in any order (here: turned round by `turn`).
        const k = turn % parts.length;
        const merged = mergeSummaries([...parts.slice(k), ...parts.slice(0, k)]);
        expect({ ...merged, slices: 1 }).toEqual(whole);
      }),
    );
  });

  it("percentiles are those of the samples, to within a bucket", () => {
    fc.assert(
      fc.property(latencies.filter((s) => s.length > 0), (samples) => {
        const h = new LatencyHistogram();
        for (const ms of samples) h.recordMs(ms);
        const sorted = samples.map((ms) => Math.max(0, Math.round(ms * 1000))).sort((a, b) => a - b);
        for (const p of [50, 99]) {
          const exact = sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
          expect(h.percentileMs(p) * 1000).toBeGreaterThanOrEqual(exact - 1e-6);
          expect(h.percentileMs(p) * 1000).toBeLessThanOrEqual(exact + exact / 64 + 1e-6);
        }
      }),
    );
  });

  it("refuses summaries that overlap (a shard given twice), naming the devices", () => {
    expect(() => mergeSummaries([summaryOf(0, 10, [1]), summaryOf(5, 15, [2])])).toThrow(SummaryMergeError);
    expect(() => mergeSummaries([summaryOf(0, 10, [1]), summaryOf(5, 15, [2])])).toThrow(/devices 5\.\.9/);
    expect(() => mergeSummaries([])).toThrow(SummaryMergeError);
  });
});
