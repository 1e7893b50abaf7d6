const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "2h", "90m", "30s", "1.5d", "250ms" to milliseconds; a bare number is seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|min|h|d)?$/.exec(text.trim());
  if (m === null) throw new RangeError(`not a duration: ${JSON.stringify(text)} (try 90s, 30m, 2h, 1d)`);
  return Number(m[1]) * (UNITS[m[2] ?? "s"] as number);
}

/** Milliseconds as h:mm:ss (with days when there are any). */
export function formatClock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const hms = [Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d}d ${hms}` : hms;
}
