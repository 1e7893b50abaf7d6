// Run by `npm install` (package.json "prepare"): says, once, when the optional XS engine could not be
// built here. npm drops an optional dependency whose install script fails without a word, and
// `--engine xs` needs it. Never fails the install.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

try {
  let built = false;
  try {
    const root = dirname(createRequire(import.meta.url).resolve("@agoric/xsnap/package.json"));
    built = existsSync(join(root, "xsnap-native/xsnap/build/bin/lin/release/xsnap-worker"));
  } catch {
    built = false;
  }
  if (!built) {
    console.warn("hearth: the XS engine (hearth sim --engine xs) was not built: @agoric/xsnap builds Moddable's XS with make and a C compiler, on Linux.");
    console.warn("hearth: everything else works. To add it: apt-get install gcc make (Debian), then npm rebuild @agoric/xsnap");
  }
} catch {
  // A check only.
}
