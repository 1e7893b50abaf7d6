import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { ModdableTools } from "./moddable-sdk.js";

const run = promisify(execFile);

/**
 * Each module an export's build would compile, by the name it is imported by, and the source
 * file mcconfig chose for the platform: its makefile's `$(MODULES_DIR)/NAME.xsb: SOURCE` rules
 * (an `embedded:` name is written `~.embedded/...`).
 */
export async function moduleSources(tools: ModdableTools, exportDir: string, platform: string): Promise<Map<string, string>> {
  const out = mkdtempSync(join(tmpdir(), "hearth-mcconfig-"));
  try {
    await run(join(tools.bin, "mcconfig"), ["-p", platform, "-o", out], { cwd: exportDir, env: { ...process.env, MODDABLE: tools.root } });
    const makefile = readFileSync(findMakefile(join(out, "tmp")), "utf8");
    const sources = new Map<string, string>();
    for (const m of makefile.matchAll(/^\$\(MODULES_DIR\)\/(.+)\.xsb: (\S+\.js)$/gm)) {
      const name = (m[1] as string).startsWith("~.") ? (m[1] as string).slice(2).replace("/", ":") : (m[1] as string);
      sources.set(name, m[2] as string);
    }
    return sources;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function findMakefile(dir: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile() && entry.name === "makefile") return join(entry.parentPath, entry.name);
  throw new Error(`mcconfig wrote no makefile under ${dir}`);
}

/**
 * A module's source as standard JavaScript: XS's host functions (`name() @ "xs_fn";`) given an
 * empty body and host classes (`class X @ "xs_destructor" {`) the plain form, which is all that
 * keeps esbuild from parsing Moddable's sources (and a host setter its parameter).
 */
export function standardJs(source: string): string {
  return source
    .replaceAll(/\bset(\s+[\w$]+\s*)\(\s*\)(\s*@)/g, "set$1(value)$2") // XS lets a host setter name no parameter
    .replaceAll(/\)\s*@\s*"[^"]*"\s*;/g, ") {}")
    .replaceAll(/\s@\s*"[^"]*"\s*\{/g, " {");
}

/** The names a module exports, as esbuild parses them (`default` for a default export). */
export async function exportsOf(source: string): Promise<string[]> {
  const out = await build({ stdin: { contents: standardJs(source), loader: "js" }, bundle: false, format: "esm", write: false, metafile: true, logLevel: "silent" });
  return [...(Object.values(out.metafile.outputs)[0]?.exports ?? [])].sort();
}

/** Whether a source defines a member by that name: a method, an accessor, or a static or assigned property. */
export function definesMember(source: string, name: string): boolean {
  const n = name.replaceAll("$", "\\$");
  return new RegExp(`(^|[\\s;{}])(static\\s+|get\\s+|set\\s+|async\\s+)*${n}\\s*\\(|\\bget\\s+${n}\\b|\\bstatic\\s+${n}\\s*=|\\.${n}\\s*=[^=]|[{,]\\s*${n}\\s*:`, "m").test(standardJs(source));
}
