// `npm run typecheck`'s last step: the Moddable binding (hal/moddable) against Moddable's own
// declarations, which tsconfig.moddable.json takes from the vendored SDK beside the clone
// (../shared/moddable-sdk, as CI lays it out). Without it, one line says so instead of a page of
// tsc's "file not found": a clone elsewhere skips the step, CI (CI set) fails it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const sdk = resolve(root, "../shared/moddable-sdk");
if (!existsSync(join(sdk, "typings")) || !existsSync(join(sdk, "xs/includes/xs.d.ts"))) {
  const ci = Boolean(process.env.CI);
  console[ci ? "error" : "warn"](`typecheck: hal/moddable not checked: Moddable's typings are not at ${sdk} (tsconfig.moddable.json reads them from the SDK vendored beside the clone)${ci ? "" : "; the rest is checked"}`);
  process.exit(ci ? 1 : 0);
}
const tsc = join(dirname(createRequire(join(root, "package.json")).resolve("typescript/package.json")), "bin", "tsc");
process.exit(spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.moddable.json")], { stdio: "inherit" }).status ?? 1);
