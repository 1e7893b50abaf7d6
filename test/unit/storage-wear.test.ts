import { describe, expect, it } from "vitest";
import { SimFlash } from "../../hal/sim/flash.js";
import { KvStore } from "../../os/storage/kv-store.js";
import { StorageError } from "../../os/storage/errors.js";
import { apply, kvOptions, workload, type Expectation } from "../support/kv-workload.js";

/** Writes 8-byte values round 10 keys until the flash wears out; returns how many writes it took. */
function writesToExhaustion(sectors: number): number {
  const geometry = { sizeBytes: sectors * 4096, sectorBytes: 4096, programBytes: 16, endurance: 20 };
  const kv = KvStore.mount(new SimFlash(geometry), kvOptions(geometry));
  let writes = 0;
  try {
    for (;;) {
      kv.set(`setting${writes % 10}`, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, writes & 0xff));
      writes++;
    }
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
  }
  return writes;
}

describe("wear levelling", () => {
  it("doubling the sectors gives at least 1.9x the writes before the flash wears out", () => {
    const small = writesToExhaustion(16);
    const large = writesToExhaustion(32);
    expect(small).toBeGreaterThan(1000);
    expect(large / small).toBeGreaterThanOrEqual(1.9);
  });

  it("after 100 workload cycles on 256 sectors, erase counts vary by less than 8 (variance)", () => {
    const geometry = { sizeBytes: 256 * 4096, sectorBytes: 4096, programBytes: 16 };
    const flash = new SimFlash(geometry);
    const kv = KvStore.mount(flash, kvOptions(geometry));
    const e: Expectation = { acked: new Map(), inFlight: undefined };
    for (let cycle = 0; cycle < 100; cycle++) for (const op of workload(cycle, 200, geometry)) apply(kv, op, e);
    const counts = [...flash.eraseCounts];
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length;
    expect(mean).toBeGreaterThan(5); // the ring went round several times
    expect(variance).toBeLessThan(8);
  });
});
