const DAY_MS = 86_400_000;
/** A scheduled clean may start up to this late (a restart, a late time sync), never twice a day. */
const WINDOW_MIN = 5;

/**
 * The local day number (days since 1970-01-01, local time) when a scheduled
 * clean is due now, or undefined: no wall-clock time yet, schedule off, or
 * not within its minutes. `at` is minutes after local midnight; `utcOffset`
 * minutes east of UTC.
 */
export function scheduledDay(unixMs: number | undefined, on: boolean, at: number, utcOffset: number): number | undefined {
  if (!on || unixMs === undefined) return undefined;
  const local = unixMs + utcOffset * 60_000;
  const day = Math.floor(local / DAY_MS);
  const minute = Math.floor((local - day * DAY_MS) / 60_000);
  return minute >= at && minute < at + WINDOW_MIN ? day : undefined;
}
