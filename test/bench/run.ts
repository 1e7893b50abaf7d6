import { kernelBench } from "./kernel.js";
import { linkBench } from "./link.js";
import { storageBench } from "./storage.js";

/** `npm run bench` runs every suite; `npm run bench -- NAME` one. */
const suites: Record<string, () => void | Promise<void>> = { kernel: kernelBench, link: linkBench, storage: storageBench };

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in suites)) {
    console.error(`no benchmark called ${name}; there are: ${Object.keys(suites).join(", ")}`);
    process.exit(2);
  }
}
for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) await suites[name]!();
