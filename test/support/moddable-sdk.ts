import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository: this file is in test/support/, or in dist/test/support/ when the benchmarks run it compiled. */
const REPO = resolve(HERE, HERE.includes(`${sep}dist${sep}`) ? "../../.." : "../..");
const TOOLS = ["xsc", "xsid", "xsl", "tools", "mcconfig", "mcrun"];
/** Both cores at most: the machines (and CI) are shared. */
const JOBS = String(Math.min(2, cpus().length));

/**
 * The vendored Moddable SDK (read-only): $HEARTH_MODDABLE_SDK, or `../shared/moddable-sdk` beside
 * the repository, as CI lays it out. Undefined when neither exists; in CI that is an error.
 */
export function moddableSource(): string | undefined {
  const env = process.env["HEARTH_MODDABLE_SDK"];
  const path = env !== undefined && env !== "" ? resolve(env) : resolve(REPO, "../shared/moddable-sdk");
  if (existsSync(join(path, "xs")) && existsSync(join(path, "tools"))) return path;
  if (process.env["CI"]) throw new Error(`the Moddable SDK is not at ${path}: CI builds every Moddable export with it (set HEARTH_MODDABLE_SDK or put shared/ beside the clone)`);
  return undefined;
}

export interface ModdableTools {
  /** A writable copy of the SDK with its host tools built in build/bin/lin/release. */
  root: string;
  bin: string;
  /** Seconds the tool build took, or undefined when an earlier run (or test file) built them. */
  builtIn: number | undefined;
}

/**
 * Moddable's host tools, built once: the SDK is copied into the repository's ignored `.hearth/`
 * (the source may be read-only, and the build writes into its root), keyed on the vendored
 * commit and hearth-check.sh, and built there with make. Test files that need them at the same
 * time share one build through a lock file; a lock whose process is gone is taken over.
 */
export async function moddableTools(source: string): Promise<ModdableTools> {
  const key = createHash("sha256").update(readFileSync(join(source, "VENDORED.md"))).update(readFileSync(join(source, "hearth-check.sh"))).digest("hex").slice(0, 12);
  const root = join(REPO, ".hearth", `moddable-${key}`);
  const bin = join(root, "build/bin/lin/release");
  const ready = join(root, ".hearth-ready");
  const lock = `${root}.lock`;
  mkdirSync(dirname(root), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    if (existsSync(ready)) return { root, bin, builtIn: undefined };
    if (takeLock(lock)) break;
    if (Date.now() > deadline) throw new Error(`Moddable's tools: still locked by ${lock} after 15 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    if (existsSync(ready)) return { root, bin, builtIn: undefined };
    rmSync(root, { recursive: true, force: true });
    cpSync(source, root, { recursive: true });
    const started = performance.now();
    await buildTools(root);
    const missing = TOOLS.filter((t) => !existsSync(join(bin, t)));
    if (missing.length > 0) throw new Error(`Moddable's tool build left out ${missing.join(", ")}`);
    const builtIn = (performance.now() - started) / 1000;
    rmSync(join(root, "build/tmp"), { recursive: true, force: true }); // the tools' intermediates (12 MB), never read again
    writeFileSync(ready, `${JSON.stringify({ builtIn })}\n`);
    return { root, bin, builtIn };
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The lock file, made by this process; false while a live process holds it (a dead one's is removed). */
function takeLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    let pid: number;
    try {
      pid = Number(readFileSync(lock, "utf8"));
      if (pid === 0 && Date.now() - statSync(lock).mtimeMs < 10_000) return false; // made, its pid not yet written
    } catch {
      return false; // released meanwhile
    }
    if (pid > 0 && alive(pid)) return false;
    rmSync(lock, { force: true });
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** As hearth-check.sh and Moddable's build/makefiles/lin do it: xsc, xsid and xsl, then tools.mk (mcconfig, mcrun, ...). */
async function buildTools(root: string): Promise<void> {
  const env = { ...process.env, MODDABLE: root, XS_DIR: join(root, "xs"), BUILD_DIR: join(root, "build") };
  const cwd = join(root, "build/makefiles/lin");
  const makefiles = [...["xsc", "xsid", "xsl"].map((t) => join(root, "xs/makefiles/lin", `${t}.mk`)), "tools.mk"];
  for (const makefile of makefiles) {
    try {
      await run("make", ["-j", JOBS, "GOAL=release", "-f", makefile], { cwd, env, maxBuffer: 64 << 20 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      const tail = (e.stderr ?? e.message).trim().split("\n").slice(-15).join("\n");
      throw new Error(`building Moddable's host tools (${makefile}) failed; they need gcc, make and libglib2.0-dev (VENDORED.md):\n${tail}`);
    }
  }
}

/** One of xsl's warnings: `### warning: MODULE: WHERE NAME: KIND`. */
export interface LinkerWarning {
  module: string;
  where: string;
  kind: string;
}

export interface LinkResult {
  ok: boolean;
  /** Compile and link errors (xsc, xsl, make), each line as the tools print it. */
  errors: string[];
  warnings: LinkerWarning[];
  seconds: number;
}

/**
 * `hearth-check.sh` (beside the vendored SDK) on an export: `mcconfig -p PLATFORM`, then the XS
 * half of the makefile it writes (xsc on each module, xsid, the xsl link with the manifest's
 * preloads), as Moddable's esp32 build runs them without ESP-IDF. Its work folder is kept long
 * enough to read the full log, then removed.
 */
export async function linkExport(tools: ModdableTools, exportDir: string, platform: string): Promise<LinkResult> {
  const started = performance.now();
  const env = { ...process.env, KEEP: "1", PATH: `${tools.bin}:${process.env["PATH"] ?? ""}` };
  let stdout: string;
  let stderr: string;
  let ok = true;
  try {
    ({ stdout, stderr } = await run("bash", [join(tools.root, "hearth-check.sh"), tools.root, exportDir, platform], { env, maxBuffer: 64 << 20 }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    ({ stdout = "", stderr = e.message } = e);
    ok = false;
  }
  const work = /^# work folder: (.*)$/m.exec(stdout)?.[1];
  const log = work !== undefined && existsSync(join(work, "log")) ? readFileSync(join(work, "log"), "utf8") : "";
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  const warnings: LinkerWarning[] = [];
  for (const m of log.matchAll(/^### warning: ([^:\n]*): (?:(.*): )?([^:\n]*)$/gm)) warnings.push({ module: m[1] as string, where: m[2] ?? "", kind: m[3] as string });
  const errors = [...log.split("\n"), ...stderr.split("\n")].filter((l) => /error|FAILED|not found/i.test(l) && !/^(### warning: |# xs)|: warning: /.test(l));
  if (!ok && errors.length === 0) errors.push(stderr.trim() || stdout.trim());
  return { ok, errors, warnings, seconds: (performance.now() - started) / 1000 };
}

/**
 * A folder's modules as a Moddable mod archive (.xsa), built as `mcrun -p PLATFORM` builds one:
 * mcrun writes the makefile, and its `build` target runs xsc on each module and `xsl -a` (no
 * ESP-IDF needed). Returns the archive's bytes.
 */
export async function modArchive(tools: ModdableTools, modDir: string, platform: string): Promise<Uint8Array> {
  const out = join(modDir, ".mcrun");
  mkdirSync(out, { recursive: true });
  const env = { ...process.env, MODDABLE: tools.root, PATH: `${tools.bin}:${process.env["PATH"] ?? ""}` };
  try {
    await run(join(tools.bin, "mcrun"), ["-p", platform, "-o", out], { cwd: modDir, env });
    const makefile = (await run("find", [out, "-name", "makefile"])).stdout.trim().split("\n")[0] as string;
    const built = await run("make", ["-f", makefile, "build"], { env, maxBuffer: 64 << 20 });
    const archive = /^# Target built: (.*\.xsa)$/m.exec(built.stdout)?.[1];
    if (archive === undefined) throw new Error(`mcrun's build named no archive:\n${built.stdout}`);
    return new Uint8Array(readFileSync(archive));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mcrun -p ${platform} in ${modDir} failed: ${[e.stderr, e.stdout].filter(Boolean).join("\n") || e.message}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Moddable's xst (XS's test shell) from the vendored SDK, built once beside the host tools as
 * xs/makefiles/lin/xst.mk builds it, with XS's memory report on (`mxReport`: after each collection
 * XS prints the slots and chunk bytes in use) and its console on (xst.mk builds without one, which
 * would silence that report). Returns the binary's path.
 */
export async function xstReport(tools: ModdableTools): Promise<string> {
  const buildDir = join(tools.root, "build-report");
  const binary = join(buildDir, "bin/lin/release/xst");
  if (existsSync(binary)) return binary;
  const makefile = join(tools.root, "xst-report.mk");
  writeFileSync(makefile, `include $(XS_DIR)/makefiles/lin/xst.mk\nC_OPTIONS := $(filter-out -DmxNoConsole=1,$(C_OPTIONS)) -DmxReport=1\n`);
  const env = { ...process.env, MODDABLE: tools.root, XS_DIR: join(tools.root, "xs"), BUILD_DIR: buildDir };
  await run("make", ["-j", JOBS, "GOAL=release", "-f", makefile], { cwd: join(tools.root, "xs/makefiles/lin"), env, maxBuffer: 64 << 20 });
  if (!existsSync(binary)) throw new Error(`building xst left no ${binary}`);
  return binary;
}
