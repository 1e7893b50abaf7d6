import type { DeviceRange } from "./fleet-slices.js";
import { LatencyHistogram, type HistogramJson } from "./histogram.js";

/** What a fleet, or one slice of it, did: counts add across slices, and the set latencies merge as a histogram. */
export interface FleetSummary {
  /** Devices this summary covers. */
  devices: number;
  /** The device indices it covers, in order; one range per slice that ran. */
  ranges: DeviceRange[];
  /** How many slices (shards × workers) ran it. */
  slices: number;
  /** Devices that came online (the cloud saw their hello). */
  online: number;
  /** Reports the devices made, and reports the cloud received (each once). */
  reportsMade: number;
  reportsReceived: number;
  /** Sets from the devices' users: how many, how many answered, and their round trips (real ms, from `latency`). */
  sets: { sent: number; answered: number; p50Ms: number; p99Ms: number; latency: HistogramJson };
  errors: { refused: number; malformed: number; failedSets: number };
  /** Online devices per second of ramp. */
  connectPerS: number;
  /** Real ms from the first device starting to the last coming online (the longest slice's). */
  rampMs: number;
  wallMs: number;
  simulatedMs: number;
  /** Told to stop before its end (Ctrl-C, a bound): the counts are those until then. */
  stopped: boolean;
}

/** Summaries that cannot make one fleet: they overlap (a shard run twice) or none was given. */
export class SummaryMergeError extends Error {
  override readonly name = "SummaryMergeError";
}

/** The figures a single slice measured; the merged fields (ranges, percentiles, rate) follow from them. */
export function sliceSummary(s: Omit<FleetSummary, "ranges" | "slices" | "sets" | "connectPerS" | "devices"> & { range: DeviceRange; sets: { sent: number; answered: number; latency: LatencyHistogram } }): FleetSummary {
  const { range, sets, ...rest } = s;
  return finish({ ...rest, devices: range.to - range.from, ranges: [range], slices: 1, sets: { sent: sets.sent, answered: sets.answered }, connectPerS: 0 }, sets.latency);
}

/**
 * One summary of many slices, exactly as one process running all their
 * devices would have given: counts add, histograms add (so p50 and p99 are
 * those of every sample), ramp and times are the longest slice's.
 */
export function mergeSummaries(summaries: readonly FleetSummary[]): FleetSummary {
  if (summaries.length === 0) throw new SummaryMergeError("no summaries to merge");
  const ranges = summaries.flatMap((s) => s.ranges).sort((a, b) => a.from - b.from);
  for (let k = 1; k < ranges.length; k++) {
    const [a, b] = [ranges[k - 1] as DeviceRange, ranges[k] as DeviceRange];
    if (b.from < a.to) throw new SummaryMergeError(`devices ${b.from}..${Math.min(a.to, b.to) - 1} are in two summaries (a shard given twice?)`);
  }
  const latency = new LatencyHistogram();
  for (const s of summaries) latency.add(s.sets.latency);
  const sum = (f: (s: FleetSummary) => number): number => summaries.reduce((t, s) => t + f(s), 0);
  const max = (f: (s: FleetSummary) => number): number => Math.max(...summaries.map(f));
  return finish(
    {
      devices: sum((s) => s.devices),
      ranges: joined(ranges),
      slices: sum((s) => s.slices),
      online: sum((s) => s.online),
      reportsMade: sum((s) => s.reportsMade),
      reportsReceived: sum((s) => s.reportsReceived),
      sets: { sent: sum((s) => s.sets.sent), answered: sum((s) => s.sets.answered) },
      errors: { refused: sum((s) => s.errors.refused), malformed: sum((s) => s.errors.malformed), failedSets: sum((s) => s.errors.failedSets) },
      connectPerS: 0,
      rampMs: max((s) => s.rampMs),
      wallMs: max((s) => s.wallMs),
      simulatedMs: max((s) => s.simulatedMs),
      stopped: summaries.some((s) => s.stopped),
    },
    latency,
  );
}

function finish(s: Omit<FleetSummary, "sets"> & { sets: { sent: number; answered: number } }, latency: LatencyHistogram): FleetSummary {
  return {
    ...s,
    sets: { ...s.sets, p50Ms: latency.percentileMs(50), p99Ms: latency.percentileMs(99), latency: latency.toJSON() },
    connectPerS: s.rampMs > 0 ? Math.round(s.online / (s.rampMs / 1000)) : 0,
  };
}

/** Adjacent ranges as one: [0,5) and [5,9) are [0,9). */
function joined(sorted: DeviceRange[]): DeviceRange[] {
  const out: DeviceRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.to === r.from) last.to = r.to;
    else out.push({ ...r });
  }
  return out;
}

/** Whether a parsed JSON value has a summary's shape (the fields merge reads). */
export function isFleetSummary(value: unknown): value is FleetSummary {
  const s = value as FleetSummary | null;
  return (
    typeof s === "object" && s !== null && Array.isArray(s.ranges) && typeof s.devices === "number" && typeof s.online === "number" &&
    typeof s.reportsMade === "number" && typeof s.sets === "object" && s.sets !== null && Array.isArray(s.sets.latency?.buckets)
  );
}
