import { kernelBench } from "./kernel.js";
import { linkBench } from "./link.js";
import { otaBench } from "./ota.js";
import { footprintBench } from "./footprint.js";
import { halBench } from "./hal.js";
import { fleetBench } from "./fleet.js";
import { fuzzMillion } from "./fuzz.js";
import { pairSweep } from "./pair-sweep.js";
import { storageBench } from "./storage.js";
import { cloudBench } from "./cloud.js";

/** `npm run bench` runs every suite; `npm run bench -- NAME` one. `sweep`, `fuzz`, `fleet`, `cloud`, `matter` and `xs-reconcile` (long, or needing servers or Moddable's SDK) run only when named. */
const suites: Record<string, () => void | Promise<void>> = { kernel: kernelBench, link: linkBench, storage: storageBench, ota: otaBench, footprint: footprintBench, hal: halBench };
const onDemand: Record<string, () => void | Promise<void>> = { "xs-reconcile": async () => (await import("./xs-reconcile.js")).xsReconcileBench(), sweep: pairSweep, fuzz: fuzzMillion, fleet: fleetBench, cloud: cloudBench, matter: async () => (await import("./matter.js")).matterBench() }; // matter.js loads only for its own suite

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in suites) && !(name in onDemand)) {
    console.error(`no benchmark called ${name}; there are: ${[...Object.keys(suites), ...Object.keys(onDemand)].join(", ")}`);
    process.exit(2);
  }
}
for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) await (suites[name] ?? onDemand[name])!();
