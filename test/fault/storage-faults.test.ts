import { describe, expect, it } from "vitest";
import { SimFlash, type BadSector } from "../../hal/sim/flash.js";
import { Random } from "../../os/random.js";
import { KvStore } from "../../os/storage/kv-store.js";
import { StorageError } from "../../os/storage/errors.js";
import { apply, GEOMETRIES, kvOptions, runWithCuts, violation, workload, type Expectation } from "../support/kv-workload.js";

describe("key-value store: several power cuts in one run", () => {
  it("200 seeds of up to 5 random cuts (a cut may fall in recovery); a failure names its seed and cuts", () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const geometry = GEOMETRIES[seed % GEOMETRIES.length]!;
      const random = new Random(seed);
      // A fault-free run's length bounds where cuts can fall.
      const cuts = Array.from({ length: random.int(1, 5) }, () => random.int(1, 900));
      const wrong = runWithCuts(geometry, seed, 200, cuts);
      if (wrong !== undefined) failures.push(`replay: runWithCuts(GEOMETRIES[${seed % GEOMETRIES.length}], ${seed}, 200, [${cuts.join(", ")}]): ${wrong}`);
    }
    expect(failures).toEqual([]);
  });

  it("replays a given seed and cut list", () => {
    expect(runWithCuts(GEOMETRIES[1]!, 17, 200, [5, 6, 300, 301, 302])).toBeUndefined();
  });
});

describe("key-value store: bad sectors", () => {
  const behaviours: BadSector[] = ["program-error", "erase-error", "read-error", "program-noop", "erase-noop"];
  const geometry = { sizeBytes: 16 * 4096, sectorBytes: 4096, programBytes: 16 };

  it("each sector in turn, under each behaviour: every write succeeds or fails typed, nothing silently wrong", () => {
    const problems: string[] = [];
    let typedErrors = 0;
    for (const behaviour of behaviours) {
      for (let sector = 0; sector < 16; sector++) {
        const flash = new SimFlash(geometry);
        flash.setBadSector(sector, behaviour);
        const options = kvOptions(geometry);
        let kv: KvStore;
        try {
          kv = KvStore.mount(flash, options);
        } catch (error) {
          if (!(error instanceof StorageError)) problems.push(`${behaviour} @${sector}: mount threw ${String(error)}`);
          continue;
        }
        const e: Expectation = { acked: new Map(), inFlight: undefined };
        for (const op of workload(sector + 1, 300, geometry)) {
          try {
            apply(kv, op, e);
          } catch (error) {
            if (!(error instanceof StorageError)) problems.push(`${behaviour} @${sector}: ${String(error)}`);
            else typedErrors++;
            e.inFlight = undefined;
            break;
          }
        }
        // Read back what was acknowledged, in the running store and after a remount.
        for (const store of [kv, KvStore.mount(flash.clone(), options)]) {
          try {
            const wrong = violation(store, e);
            if (wrong !== undefined) problems.push(`${behaviour} @${sector}: ${wrong}`);
          } catch (error) {
            if (!(error instanceof StorageError)) problems.push(`${behaviour} @${sector}: read threw ${String(error)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    console.log(`bad sectors: ${typedErrors} runs ended with a typed error`);
  });

  it.each(["erase-error", "erase-noop"] as const)("a deleted key stays deleted after a remount, though the sector that held it could not be erased (%s)", (behaviour) => {
    const flash = new SimFlash(geometry);
    const options = kvOptions(geometry);
    const kv = KvStore.mount(flash, options);
    kv.setString("gone", "old value"); // in the first sector opened
    const first = [...Array(16).keys()].find((s) => !allErased(flash.read(s * 4096, 4096))) as number;
    flash.setBadSector(first, behaviour);
    // The delete lands in a later sector than the put.
    for (let i = 0; i < 8; i++) kv.set(`filler${i}`, new Uint8Array(1000));
    expect(allErased(flash.read(((first + 1) % 16) * 4096, 16))).toBe(false);
    kv.delete("gone");
    // Enough writes that the ring turns twice: the first sector is collected (its erase fails) and so,
    // later, is the sector that held the delete.
    for (let i = 0; i < 2 * 16 * 4; i++) kv.set(`filler${i % 8}`, new Uint8Array(1000).fill(i & 0xff));
    expect(kv.has("gone")).toBe(false);
    expect(KvStore.mount(flash.clone(), options).has("gone")).toBe(false);
  });

  it("at end of life (sectors wearing out), writes stop with a typed error and every committed key stays readable", () => {
    const flash = new SimFlash({ ...geometry, endurance: 30 });
    const kv = KvStore.mount(flash, kvOptions(geometry));
    const e: Expectation = { acked: new Map(), inFlight: undefined };
    let error: unknown;
    let writes = 0;
    try {
      for (let i = 0; i < 1_000_000; i++) {
        apply(kv, { kind: "write", changes: { [`k${i % 20}`]: Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 1, 2, 3, 4, 5, 6) } }, e);
        writes++;
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect(["no-space", "io"]).toContain((error as StorageError).code);
    expect(writes).toBeGreaterThan(10_000);
    e.inFlight = undefined;
    expect(violation(kv, e)).toBeUndefined();
    expect(violation(KvStore.mount(flash.clone(), kvOptions(geometry)), e)).toBeUndefined();
  });

  it("a partition of garbage: a typed error, or a clean format if asked; never a crash", () => {
    const flash = new SimFlash(geometry);
    const random = new Random(9);
    flash.setImage(Uint8Array.from({ length: flash.sizeBytes }, () => random.int(0, 255)));
    expect(() => KvStore.mount(flash.clone(), { format: "never" })).toThrow(StorageError);
    const kv = KvStore.mount(flash, { format: "if-garbage" });
    expect(kv.keys()).toEqual([]);
    kv.setString("name", "hearth");
    expect(KvStore.mount(flash).getString("name")).toBe("hearth");
  });
});

function allErased(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0xff);
}
