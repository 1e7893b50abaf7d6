import { describe, expect, it } from "vitest";
import type { Flash } from "../../hal/flash.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { AppendLog, KvStore } from "../../os/storage/index.js";

/** A flash that counts what is read from it. */
function counting(flash: Flash): Flash & { bytesRead: number; reads: number } {
  const c = {
    bytesRead: 0,
    reads: 0,
    get sizeBytes() {
      return flash.sizeBytes;
    },
    get sectorBytes() {
      return flash.sectorBytes;
    },
    get programBytes() {
      return flash.programBytes;
    },
    read(offset: number, length: number) {
      c.bytesRead += length;
      c.reads++;
      return flash.read(offset, length);
    },
    program: (offset: number, data: Uint8Array) => flash.program(offset, data),
    erase: (sector: number) => flash.erase(sector),
  };
  return c;
}

const geometry = { sizeBytes: 64 * 1024, sectorBytes: 4096, programBytes: 16 };

describe("mounting reads what it needs, not whole sectors (boot garbage on an MCU)", () => {
  it("a kv store of 16 sectors holding a few settings mounts reading its records and headers, not its free sectors", () => {
    const flash = new SimFlash(geometry);
    const kv = KvStore.mount(flash, { format: "if-garbage" });
    for (let i = 0; i < 20; i++) kv.setNumber(`setting/${i % 5}`, i);
    const watched = counting(flash);
    const again = KvStore.mount(watched, { format: "never" });
    expect(again.getNumber("setting/4")).toBe(19);
    // Headers of 16 sectors, the records, and the rest of the one sector being appended to.
    expect(watched.bytesRead).toBeLessThan(2 * geometry.sectorBytes);
  });

  it("an append log mounts the same way, and a free sector that is not blank is still found before it is written", () => {
    const flash = new SimFlash(geometry);
    const log = AppendLog.mount(flash, { format: "if-garbage" });
    for (let i = 0; i < 10; i++) log.append(new Uint8Array(100).fill(i));
    // A torn erase left bytes in a sector whose header is blank: mount does not read it, the writer does.
    flash.program(9 * geometry.sectorBytes + 1024, new Uint8Array(16).fill(0));
    const watched = counting(flash);
    const again = AppendLog.mount(watched, { format: "never" });
    expect(watched.bytesRead).toBeLessThan(2 * geometry.sectorBytes);
    for (let i = 0; i < 400; i++) again.append(new Uint8Array(100).fill(i & 0xff));
    const reread = AppendLog.mount(flash, { format: "never" });
    const entries = reread.read(0);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.data.every((b) => b === (e.data[0] as number))).toBe(true);
  });
});
