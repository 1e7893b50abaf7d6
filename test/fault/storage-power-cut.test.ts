import { describe, expect, it } from "vitest";
import { KvStore } from "../../os/storage/kv-store.js";
import { apply, freshFlash, GEOMETRIES, kvOptions, violation, workload, type Expectation } from "../support/kv-workload.js";

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

/**
 * Torn programs: a cut part-way through a program leaves its first j bytes
 * (j at every program-unit boundary) and the rest erased or half-programmed.
 * A partial record is never taken for a record, the previous value comes
 * back, and the store stays writable. On the 1-byte-unit geometry every
 * 16th boundary is tried (each byte would be 4,096 mounts per program).
 */
describe("key-value store: torn programs at program-unit boundaries", () => {
  for (const geometry of GEOMETRIES) {
    it(`${geometry.name}: 300 operations, every program torn at every boundary`, () => {
      const flash = freshFlash(geometry);
      const options = kvOptions(geometry);
      const kv = KvStore.mount(flash, options);
      const e: Expectation = { acked: new Map(), inFlight: undefined };
      const step = geometry.programBytes === 1 ? 16 : geometry.programBytes;
      let tears = 0;
      const failures: string[] = [];
      flash.beforeProgram = (offset, data) => {
        for (let keep = 0; keep < data.length; keep += step) {
          for (const rest of ["erased", "random"] as const) {
            if (rest === "random" && keep % (step * 4) !== 0) continue;
            const copy = flash.clone();
            copy.tearProgram(offset, data, keep, rest);
            tears++;
            try {
              const after = KvStore.mount(copy, options);
              const wrong = violation(after, e);
              if (wrong !== undefined) failures.push(`tear at ${offset}+${keep} (${rest}): ${wrong}`);
              after.set("probe", Uint8Array.of(keep & 0xff));
              if (after.get("probe")[0] !== (keep & 0xff)) failures.push(`tear at ${offset}+${keep}: not writable`);
            } catch (error) {
              failures.push(`tear at ${offset}+${keep} (${rest}): ${(error as Error).message}`);
            }
            if (failures.length > 5) throw new Error(failures.join("\n"));
          }
        }
      };
      for (const op of workload(11, 300, geometry)) apply(kv, op, e);
      flash.beforeProgram = undefined;
      expect(failures).toEqual([]);
      expect(tears).toBeGreaterThan(500);
      console.log(`${geometry.name}: ${tears} torn programs checked`);
    });
  }
});
