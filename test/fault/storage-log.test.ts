import { describe, expect, it } from "vitest";
import { SimFlash } from "../../hal/sim/flash.js";
import { Random } from "../../os/random.js";
import { AppendLog } from "../../os/storage/append-log.js";
import { StorageError } from "../../os/storage/errors.js";

const geometry = { sizeBytes: 8 * 4096, sectorBytes: 4096, programBytes: 1 };

function entry(seq: number, random: Random): Uint8Array {
  const data = new Uint8Array(random.int(1, 300));
  for (let i = 0; i < data.length; i++) data[i] = (seq * 13 + i) & 0xff;
  return data;
}

describe("append-only log", () => {
  it("a cut after every flash operation of 5,000 appends with rotation: a gap-free run of what was appended, ending at the last acknowledged (or the one in flight), nothing else", () => {
    const flash = new SimFlash(geometry);
    const log = AppendLog.mount(flash, { format: "if-garbage" });
    const appended = new Map<number, Uint8Array>();
    let acknowledged = 0;
    let inFlight: Uint8Array | undefined;
    const failures: string[] = [];
    let cuts = 0;
    flash.afterOp = (op) => {
      cuts++;
      const after = AppendLog.mount(flash.clone());
      const entries = after.read(0);
      const last = entries[entries.length - 1]?.seq ?? 0;
      const fail = (why: string): void => void (failures.length < 5 && failures.push(`cut after op ${op}: ${why}`));
      if (last < acknowledged) fail(`last entry ${last}, but ${acknowledged} was acknowledged`);
      if (last > acknowledged + 1) fail(`entry ${last} was never appended`);
      entries.forEach((e, i) => {
        if (i > 0 && e.seq !== (entries[i - 1] as { seq: number }).seq + 1) fail(`gap before ${e.seq}`);
        const want = e.seq === acknowledged + 1 ? inFlight : appended.get(e.seq);
        if (want === undefined || want.length !== e.data.length || want.some((b, j) => b !== e.data[j])) fail(`entry ${e.seq} is not what was appended`);
      });
    };
    const random = new Random(5);
    for (let i = 1; i <= 5000; i++) {
      inFlight = entry(i, random);
      const seq = log.append(inFlight);
      expect(seq).toBe(i);
      appended.set(seq, inFlight);
      acknowledged = seq;
    }
    flash.afterOp = undefined;
    expect(failures).toEqual([]);
    expect(cuts).toBe(flash.ops);
    expect(log.first).toBeGreaterThan(1000); // it rotated
    expect(flash.nonErasedPrograms).toBe(0);
  });

  it("sequence numbers keep rising across reboots; readers walk from a cursor", () => {
    const flash = new SimFlash(geometry);
    let log = AppendLog.mount(flash, { format: "if-garbage" });
    for (let i = 0; i < 10; i++) log.append(Uint8Array.of(i));
    log = AppendLog.mount(flash);
    expect(log.append(Uint8Array.of(99))).toBe(11);
    const page = log.read(4, 3);
    expect(page.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(log.read(7).map((e) => e.data[0])).toEqual([6, 7, 8, 9, 99]);
    expect(() => log.append(new Uint8Array(5000))).toThrow(StorageError);
  });
});
