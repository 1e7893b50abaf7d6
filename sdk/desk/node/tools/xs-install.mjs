// Run by `npm install` (package.json "prepare").
//
// 0. Builds Moddable's XS with @agoric/xsnap's own build, saying how far it got: package.json's
//    allowScripts denies xsnap's install script (npm 11.16 and later skip it), which would build
//    it for minutes without a word. An npm that runs that script anyway (before 11.16) leaves it
//    built, and this step has nothing to do.
// 1. Builds Hearth's XS worker: xsnap's own worker with one change, its stack (a fixed 4096 slots in
//    xsnap) read from HEARTH_XS_STACK_SLOTS, so an image runs with the stack its chip gives it
//    (a Moddable manifest's `creation.stack`) and overflows where the chip would. Only that one C file
//    is compiled again; the rest links from xsnap's own objects. About a second.
// 2. Says, once, when the XS engine could not be built: npm drops an optional dependency whose
//    install script fails without a word, and `--engine xs` needs it.
// Never fails the install.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Where Hearth's worker is written, beside xsnap's (sdk/desk/node/xs/worker.ts looks for it there). */
const HEARTH_WORKER = "xsnap-native/xsnap/build/bin/lin/release/xsnap-worker-hearth";
const STACK_LINE = /^(\s*)4096,(\s*)\/\* stackCount \*\//m;

function warn(why) {
  console.warn(`hearth: the XS engine (hearth sim --engine xs) was not built: ${why}`);
  console.warn("hearth: everything else works. To add it: apt-get install gcc make (Debian), then npm run prepare");
}

/** Lines xsnap's makefiles print for each file they compile or link ("# xsnap-worker release : cc xs.c"). */
const COMPILED = /^# \S+ (release|debug) : cc /;

/** Moddable's XS, built by xsnap's build script (its release and debug workers), with a line of progress every 20 files. */
async function buildXs(root) {
  if (existsSync(join(root, "xsnap-native/xsnap/build/bin/lin/release/xsnap-worker")) && existsSync(join(root, "xsnap-native/xsnap/build/bin/lin/debug/xsnap-worker"))) return undefined;
  const env = { ...process.env };
  for (const line of readFileSync(join(root, "build.env"), "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  const total = 2 * (readdirSync(join(root, "moddable/xs/sources")).filter((f) => f.endsWith(".c")).length + 6); // release and debug: XS, xsnap's own files, a link
  console.log(`hearth: building Moddable's XS engine for hearth sim --engine xs (once; a few minutes on two cores, about ${total} files)`);
  const started = Date.now();
  let compiled = 0;
  let errors = "";
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ["src/build.js"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    const lines = (chunk) => {
      for (const line of chunk.toString().split("\n")) {
        if (!COMPILED.test(line)) continue;
        compiled++;
        if (compiled % 20 === 0) console.log(`hearth: XS ${compiled} files compiled (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    };
    child.stdout.on("data", lines);
    child.stderr.on("data", (chunk) => (errors = `${errors}${chunk}`.slice(-4000)));
    child.on("close", resolve);
    child.on("error", (error) => {
      errors = String(error.message);
      resolve(1);
    });
  });
  if (code !== 0) return `its build failed: ${errors.trim().split("\n").slice(-3).join(" ") || `exit ${code}`}`;
  console.log(`hearth: XS built: ${compiled} files in ${Math.round((Date.now() - started) / 1000)} s`);
  return undefined;
}

/** Copies a file keeping its modification time, so make rebuilds only what this script changes. */
function copyKeepingTime(from, to) {
  copyFileSync(from, to);
  const { atime, mtime } = statSync(from);
  utimesSync(to, atime, mtime);
}

function buildWorker(root) {
  const native = join(root, "xsnap-native/xsnap");
  const objects = join(native, "build/tmp/lin/release/xsnap-worker");
  if (!existsSync(join(native, "build/bin/lin/release/xsnap-worker")) || !existsSync(objects)) return "@agoric/xsnap builds Moddable's XS with make and a C compiler, on Linux, and its build is not here.";
  const work = join(native, "build/tmp/lin/release/xsnap-worker-hearth");
  rmSync(work, { recursive: true, force: true });
  const [sources, tmp] = [join(work, "sources"), join(work, "objects")];
  mkdirSync(sources, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of readdirSync(join(native, "sources"))) copyKeepingTime(join(native, "sources", f), join(sources, f));
  for (const f of readdirSync(objects)) copyKeepingTime(join(objects, f), join(tmp, f));
  const worker = join(sources, "xsnap-worker.c");
  const text = readFileSync(worker, "utf8");
  if (!STACK_LINE.test(text)) return "this version of @agoric/xsnap sets its stack in a way this script does not know (xsnap-worker.c).";
  writeFileSync(worker, text.replace(STACK_LINE, '$1(getenv("HEARTH_XS_STACK_SLOTS") ? atoi(getenv("HEARTH_XS_STACK_SLOTS")) : 4096),$2/* stackCount */'));
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const bin = dirname(join(root, HEARTH_WORKER));
  execFileSync(
    "make",
    [`MODDABLE=${join(root, "moddable")}`, "GOAL=release", `XSNAP_VERSION=${version}`, 'CC=cc "-D__has_builtin(x)=1"', `TLS_DIR=${sources}`, `TMP_DIR=${tmp}`, `BIN_DIR=${work}`, "-f", "xsnap-worker.mk"],
    { cwd: join(native, "makefiles/lin"), stdio: ["ignore", "ignore", "pipe"] },
  );
  copyFileSync(join(work, "xsnap-worker"), join(bin, "xsnap-worker-hearth"));
  rmSync(work, { recursive: true, force: true });
  return undefined;
}

{
  try {
    let root;
    try {
      root = dirname(createRequire(import.meta.url).resolve("@agoric/xsnap/package.json"));
    } catch {
      root = undefined;
    }
    const problem = root === undefined ? "@agoric/xsnap (an optional dependency) is not installed." : ((await buildXs(root)) ?? buildWorker(root));
    if (problem !== undefined) warn(problem);
  } catch (error) {
    warn(`building its worker failed: ${String(error?.stderr ?? error?.message ?? error).trim().split("\n").slice(-3).join(" ")}`);
  }
}
