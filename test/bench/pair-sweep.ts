import { GEOMETRIES, runWithCuts, workload } from "../support/kv-workload.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { KvStore } from "../../os/storage/kv-store.js";
import { apply, kvOptions, type Expectation } from "../support/kv-workload.js";
import { report } from "./table.js";

/**
 * Every ordered pair of power cuts on a 200-operation workload: the first
 * after operation i, the second after operation j > i of the run that
 * follows (so in recovery, or later). Outside `npm test`: `npm run bench -- sweep`.
 */
export function pairSweep(): void {
  const geometry = GEOMETRIES[0]!;
  const flash = new SimFlash(geometry);
  const kv = KvStore.mount(flash, kvOptions(geometry));
  const e: Expectation = { acked: new Map(), inFlight: undefined };
  for (const op of workload(3, 200, geometry)) apply(kv, op, e);
  const total = flash.ops;
  let pairs = 0;
  let failures = 0;
  const started = performance.now();
  for (let i = 1; i <= total; i++) {
    for (let j = i + 1; j <= total + 40; j++) {
      pairs++;
      const wrong = runWithCuts(geometry, 3, 200, [i, j]);
      if (wrong !== undefined) {
        failures++;
        if (failures <= 5) console.log(`cuts [${i}, ${j}]: ${wrong}`);
      }
    }
  }
  report("sweep", { flash_ops: total, pairs, failures, seconds: Math.round((performance.now() - started) / 1000) }, { pairs: "ordered pairs of cuts, second up to 40 ops past the fault-free end" });
}
