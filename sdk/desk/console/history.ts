import type { Sample } from "../sim/session-appliance.js";

/** A span of an appliance's history: simulated ms, both ends included; at most `points` samples, evenly thinned. */
export interface HistoryRange {
  from?: number;
  to?: number;
  points: number;
}

/**
 * Where the console reads an appliance's history. On the desk it is the
 * session's own samples (`sessionHistory`); a cloud's store of reports
 * implements the same port, and the console's server takes it as its
 * `history` option, with nothing else changed.
 */
export interface HistorySource {
  /** Samples of appliance `id` in the range, oldest first. */
  samples(id: string, range: HistoryRange): Promise<Sample[]>;
}

/** The session's samples, as each SessionAppliance keeps them. */
export function sessionHistory(appliances: readonly { readonly id: string; readonly samples: readonly Sample[] }[]): HistorySource {
  const byId = new Map(appliances.map((a) => [a.id, a]));
  return {
    samples: (id, range) => {
      const kept = byId.get(id)?.samples ?? [];
      return Promise.resolve(thin(kept.filter((s) => s.at >= (range.from ?? -Infinity) && s.at <= (range.to ?? Infinity)), range.points));
    },
  };
}

/** At most `points` samples, evenly spaced through `samples`, the last always kept (it is the newest). */
export function thin(samples: readonly Sample[], points: number): Sample[] {
  if (samples.length <= points) return [...samples];
  const step = samples.length / points;
  const out: Sample[] = [];
  for (let i = 0; i < points - 1; i++) out.push(samples[Math.floor(i * step)] as Sample);
  out.push(samples.at(-1) as Sample);
  return out;
}
