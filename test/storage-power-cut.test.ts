import { describe, expect, it } from "vitest";
import { KvStore } from "../os/storage/kv-store.js";
import { apply, freshFlash, GEOMETRIES, kvOptions, violation, workload, type Expectation } from "./support/kv-workload.js";

/**
 * Exhaustive single power cut, as littlefs and Zephyr NVS test: for every k
 * from 1 to the number of flash operations of the fault-free run, the flash
 * as it is after operation k (what a cut then leaves) mounts, and every key
 * is its last acknowledged value or the value in flight; then the store
 * takes a write. The fault-free run forks its flash after every operation.
 */
describe("key-value store: a power cut after every flash operation", () => {
  for (const geometry of GEOMETRIES) {
    it(`${geometry.name}: 2,000 operations, every cut point`, () => {
      const flash = freshFlash(geometry);
      const kv = KvStore.mount(flash, kvOptions(geometry));
      const e: Expectation = { acked: new Map(), inFlight: undefined };
      let cuts = 0;
      const failures: string[] = [];
      flash.afterOp = (op) => {
        cuts++;
        const copy = flash.clone();
        const after = KvStore.mount(copy, kvOptions(geometry));
        const wrong = violation(after, e);
        if (wrong !== undefined && failures.length < 5) failures.push(`cut after op ${op}: ${wrong}`);
        after.set("probe", Uint8Array.of(op & 0xff)); // still writable
        if (after.get("probe")[0] !== (op & 0xff) && failures.length < 5) failures.push(`cut after op ${op}: not writable`);
        if (copy.nonErasedPrograms !== 0) failures.push(`cut after op ${op}: programmed non-erased bits`);
      };
      for (const op of workload(7, 2000, geometry)) apply(kv, op, e);
      flash.afterOp = undefined;
      expect(failures).toEqual([]);
      expect(cuts).toBe(flash.ops);
      expect(flash.nonErasedPrograms).toBe(0);
      console.log(`${geometry.name}: ${cuts} cut points checked`);
    });
  }
});
