#!/usr/bin/env node
// `npm run layers`: the import rules of DESIGN.md, checked on the module graph that TypeScript
// itself resolves (`tsc --explainFiles`), so every form counts: `import`, `import type`,
// side-effect imports, `export ... from`, and dynamic `import("literal")`.
// Prints the folder graph; exits 1 naming each violation, 2 when tsc cannot be run.
// Usage: node test/layers/check.mjs [ROOT]   (ROOT defaults to the repository).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(process.argv[2] ?? fileURLToPath(new URL("../..", import.meta.url)));
const CONFIGS = ["tsconfig.json", "tsconfig.console.json", "tsconfig.moddable.json"];
const NODE_ONLY_PACKAGES = ["mqtt", "aedes", "pg", "esbuild", "playwright-core", "vitest", "fast-check", "cborg", "@matter/main", "@matter/nodejs"];

/** Where a file sits: its folder, as the rules name folders. */
const folderOf = (file) => file.split("/").slice(0, -1).join("/") || ".";
const under = (file, ...folders) => folders.some((f) => file === f || file.startsWith(`${f}/`));
const isNodeOnly = (file) => file.split("/").includes("node");
const isPlant = (file) => /^boards\/[^/]+\/plant\.ts$/.test(file);
/** An example's firmware: every file of an example but its simulator app (app.ts). */
const firmwareFile = (file) => under(file, "examples") && !file.endsWith("/app.ts");

/**
 * The rules, each a check of one edge (importer -> target, repository paths or a
 * package name). A rule answers a reason when the edge breaks it.
 */
const RULES = [
  ["hal imports nothing above it", (from, to) => under(from, "hal") && under(to, "os", "sdk", "boards", "examples") && "hal may import only hal"],
  ["os imports only hal", (from, to) => under(from, "os") && under(to, "sdk", "boards", "examples") && "os may import only os and hal"],
  ["boards import only hal", (from, to) => under(from, "boards") && under(to, "os", "sdk", "examples") && "boards may import only boards and hal"],
  [
    "the thing model is what every end shares: it imports nothing of the sdk above it",
    (from, to) => under(from, "sdk/thing") && under(to, "sdk/protocol", "sdk/device", "sdk/cloud", "sdk/desk") && `sdk/thing may import only the model (sdk/thing), os and hal, not ${folderOf(to)}`,
  ],
  [
    "the protocol is what both ends speak: it imports only the thing model",
    (from, to) => under(from, "sdk/protocol") && under(to, "sdk/device", "sdk/cloud", "sdk/desk") && `sdk/protocol is shared by both ends: it may not import ${folderOf(to)}`,
  ],
  [
    "the device's end (and hearth/sdk, the firmware's entry) never imports the cloud or the desk tools",
    (from, to) => (under(from, "sdk/device") || from === "sdk/index.ts") && under(to, "sdk/cloud", "sdk/desk") && `${from === "sdk/index.ts" ? "the firmware entry (sdk/index.ts)" : folderOf(from)} may not import ${folderOf(to)}`,
  ],
  [
    "the cloud never imports the device's end or the desk tools",
    (from, to) => under(from, "sdk/cloud") && under(to, "sdk/device", "sdk/desk") && `the cloud (${folderOf(from)}) may not import ${folderOf(to)}: what both ends share is in sdk/protocol and sdk/thing`,
  ],
  [
    "firmware never imports the simulator: not the desk tools, not a board's plant",
    (from, to) => (firmwareFile(from) && (under(to, "sdk/desk") || isPlant(to)) && `firmware (${from}) may not import ${to}: the simulator is the desk's, never the image's`) || (/^boards\/[^/]+\/index\.ts$/.test(from) && isPlant(to) && `a board's wiring (${from}) hands firmware its parts, never its plant (${to})`),
  ],
  [
    "a Matter mapping is data over the thing model: sdk/matter (outside node/) imports only the model; the device and the cloud never import sdk/matter",
    (from, to) =>
      (under(from, "sdk/matter") && !isNodeOnly(from) && under(to, "sdk/protocol", "sdk/device", "sdk/cloud", "sdk/desk") && `sdk/matter's mapping may import only the thing model, not ${folderOf(to)}`) ||
      (under(from, "sdk/device", "sdk/cloud", "sdk/protocol", "sdk/thing") && under(to, "sdk/matter") && `${folderOf(from)} may not import the Matter bridge (${folderOf(to)})`),
  ],
  ["the simulator never imports Node-only code", (from, to) => under(from, "sdk/desk/sim") && isNodeOnly(to) && "sdk/desk/sim is runtime-neutral: it may not import a node/ folder"],
  ["nothing but examples and tests imports examples", (from, to) => under(from, "hal", "os", "sdk", "boards") && under(to, "examples") && "only examples/ and test/ may import examples/"],
  ["examples import sdk and boards", (from, to) => under(from, "examples") && under(to, "hal", "os") && "examples reach hal and os through sdk (hearth/sdk)"],
  [
    "runtime-neutral files import no Node",
    // hal/moddable's imports are Moddable's own modules ("mqtt" there is Moddable's client), resolved by mcconfig, not npm.
    (from, to) => !isNodeOnly(from) && !under(from, "test", "hal/moddable") && !from.endsWith(".config.ts") && (to.startsWith("node:") || NODE_ONLY_PACKAGES.includes(to)) && `${to} is Node-only: the importer must sit under a node/ folder`,
  ],
];

function tscPath() {
  const require = createRequire(join(root, "package.json"));
  try {
    return join(require.resolve("typescript/package.json").replace(/package\.json$/, ""), "bin", "tsc");
  } catch {
    return undefined;
  }
}

function tsc(config) {
  const bin = tscPath();
  if (bin === undefined) fail(2, "TypeScript is not installed here: run npm install");
  const run = spawnSync(process.execPath, [bin, "-p", config, "--explainFiles", "--noEmit"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error) fail(2, `tsc did not run: ${run.error.message}`);
  return run;
}

/**
 * Node in runtime-neutral files, as the compiler sees it without Node's types
 * (tsconfig.neutral.json): a node:* module it cannot find, a Node global it does not know.
 */
function nodeInNeutral() {
  const found = [];
  for (const line of tsc("tsconfig.neutral.json").stdout.split("\n")) {
    const m = /^(\S+?)\(\d+,\d+\): error TS\d+: (.*)$/.exec(line);
    if (m === null) continue;
    const [, file, message] = m;
    const module = /Cannot find module (?:or type declarations for side-effect import of )?'([^']+)'/.exec(message);
    if (module !== null && (module[1].startsWith("node:") || NODE_ONLY_PACKAGES.includes(packageOf(module[1])))) found.push(`${file} -> ${module[1]}: ${module[1]} is Node-only: the importer must sit under a node/ folder (runtime-neutral files import no Node)`);
    else if (/type definitions for node|Cannot find name '(Buffer|process|require|setImmediate|__dirname)'/.test(message)) found.push(`${file}: uses a Node global: ${message} (runtime-neutral files use no Node global)`);
  }
  return found;
}

/** The resolved import edges of one tsconfig: [importer, target] (repository paths, or a package name). */
function edges(config) {
  const run = tsc(config);
  const found = [];
  let target;
  for (const line of run.stdout.split("\n")) {
    if (!line.startsWith(" ")) {
      target = line.trim();
      continue;
    }
    const m = /^\s+Imported via (["'])(.+?)\1 from file '([^']+)'/.exec(line);
    if (m === null || target === undefined) continue;
    const [, , spec, from] = m;
    if (from.startsWith("node_modules/") || from.includes("/node_modules/") || from.startsWith("../")) continue;
    const to = target.includes("node_modules/") || !spec.startsWith(".") ? packageOf(spec) : target;
    found.push([from, to]);
  }
  if (found.length === 0) fail(2, `tsc found no imports with ${config}:\n${run.stdout.slice(0, 2000)}${run.stderr}`);
  return found;
}

function packageOf(spec) {
  if (spec.startsWith("node:")) return spec.split("/")[0];
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Node globals and host time or randomness in a runtime-neutral file (the compiler's neutral check covers types; this covers `globalThis`-free slips in untyped spots). */
function globalsIn(file) {
  // Code only: what comments and strings say is not a use.
  const text = readFileSync(join(root, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
  const found = [];
  if (/\b(Buffer|process|setImmediate|require)\b\s*[.(]/.test(text)) found.push("uses a Node global");
  // The backend (sdk/cloud) runs in real time on a server; everything else takes time and randomness from the kernel, so runs replay.
  // hal/moddable is the platform itself: Math.random is the ESP32's hardware RNG there.
  if (!under(file, "sdk/cloud", "hal/moddable") && /\bMath\.random\(|\bDate\.now\(|\bperformance\.now\(/.test(text)) found.push("uses host randomness or time (take them from the kernel)");
  return found;
}

/** Folder-level circles: strongly connected folders, index.ts facades left out (they re-export, they are not a layer). */
function circles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  let n = 0;
  const visit = (v) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function fail(code, message) {
  process.stderr.write(`layers: ${message}\n`);
  process.exit(code);
}

if (!existsSync(join(root, "tsconfig.json"))) fail(2, `no tsconfig.json in ${root}`);
const all = CONFIGS.filter((c) => existsSync(join(root, c))).flatMap(edges);
const unique = [...new Map(all.map((e) => [e.join(" -> "), e])).values()];
const violations = existsSync(join(root, "tsconfig.neutral.json")) ? nodeInNeutral() : [];
for (const [from, to] of unique) {
  for (const [rule, check] of RULES) {
    const why = check(from, to);
    if (why) violations.push(`${from} -> ${to}: ${why} (${rule})`);
  }
}
const sources = new Set(unique.flatMap(([from, to]) => [from, to]).filter((f) => /^(hal|os|sdk|boards|examples)\//.test(f)));
for (const file of sources) if (!isNodeOnly(file) && !under(file, "sdk/desk/console/page")) for (const why of globalsIn(file)) violations.push(`${file}: ${why} (runtime-neutral files use no Node global)`);

const graph = new Map();
for (const [from, to] of unique) {
  if (from.endsWith("/index.ts") || !/^(hal|os|sdk|boards|examples)\//.test(to) || under(from, "test")) continue;
  const a = folderOf(from);
  const b = folderOf(to);
  if (a === b) continue;
  if (!graph.has(a)) graph.set(a, new Set());
  graph.get(a).add(b);
}
for (const scc of circles(graph)) violations.push(`folders import each other in a circle: ${scc.join(" <-> ")}`);

const shown = [...graph.entries()].sort(([a], [b]) => a.localeCompare(b));
for (const [folder, targets] of shown) process.stdout.write(`${folder} -> ${[...targets].sort().join(", ")}\n`);
process.stdout.write("\n");
if (violations.length > 0) fail(1, `${violations.length} violation${violations.length === 1 ? "" : "s"}:\n  ${violations.join("\n  ")}`);
process.stdout.write(`layers: ${unique.length} imports between ${sources.size} files keep every rule\n`);
