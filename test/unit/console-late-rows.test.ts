import { describe, expect, it } from "vitest";
import { withoutLateRows } from "../../sdk/desk/console/node/cloud-source.js";
import type { HistoryRow, ReportedMember } from "../../sdk/cloud/store/port.js";

/** Rows of one member, a report every 10 s: [seq, value] in the order the tier took them. */
const rows = (member: string, reports: [number, number][], from = 0): HistoryRow[] => reports.map(([seq, value], i) => ({ member, value, seq, at: from + i * 10_000 }));
const reported = (seq: number, at: number, session = 1): ReportedMember => ({ value: 0, session, seq, at });

describe("the console's history over a cloud: late rows (a report resent late, taken after newer ones)", () => {
  it("drops a report that came back after newer ones: the boot report, resent 30 s late, is no dip in the chart", () => {
    const room = rows("room", [[4, 30], [5, 30], [8, 30], [9, 30], [2, 25], [10, 30]]);
    expect(withoutLateRows(room, { room: reported(10, 50_000) }).map((r) => r.seq)).toEqual([4, 5, 8, 9, 10]);
  });

  it("keeps a device that started its seqs over (a new session): they start low and stay low", () => {
    const room = rows("room", [[4, 30], [5, 30], [9, 30], [2, 25], [3, 26], [4, 27]]);
    expect(withoutLateRows(room, { room: reported(4, 50_000, 2) }).map((r) => r.seq)).toEqual([4, 5, 9, 2, 3, 4]);
  });

  it("a member's last row: late when the reported state holds a higher seq taken before it; a new session's first row stays", () => {
    const late = rows("target", [[5, 24], [7, 22.5], [2, 24]]);
    expect(withoutLateRows(late, { target: reported(7, 10_000) }).map((r) => r.seq)).toEqual([5, 7]);
    const rebooted = rows("target", [[5, 24], [7, 22.5], [2, 24]]);
    expect(withoutLateRows(rebooted, { target: reported(2, 20_000, 2) }).map((r) => r.seq)).toEqual([5, 7, 2]);
  });

  it("judges each member by its own rows, and keeps the rows' order", () => {
    const mixed = [...rows("room", [[4, 30], [2, 25], [5, 30]]), ...rows("target", [[1, 24], [2, 24], [3, 22]], 5_000)].sort((a, b) => a.at - b.at);
    const kept = withoutLateRows(mixed, { room: reported(5, 20_000), target: reported(3, 25_000) });
    expect(kept.map((r) => `${r.member}${r.seq}`)).toEqual(["room4", "target1", "target2", "room5", "target3"]);
  });
});
