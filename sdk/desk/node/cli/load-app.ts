import { build } from "esbuild";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ApplianceApp } from "../../sim/app.js";
import type { ModelSpec } from "../../../thing/model.js";
import { UsageError } from "./options.js";

export const EXAMPLES = ["aircon", "washer", "fridge", "vacuum"];

/**
 * The app to simulate: an example by name, or a module (TypeScript or
 * JavaScript; a folder means its app.ts or app.js) that exports `app`.
 * TypeScript is bundled by esbuild (its own imports with it; packages, such as
 * hearth/sim, stay imports), next to the module so they resolve as its own would.
 */
export async function loadApp(name: string): Promise<ApplianceApp<ModelSpec>> {
  let app = loaded.get(name);
  if (app === undefined) loaded.set(name, (app = loadOnce(name)));
  return app;
}

/** Each app once a run (a TypeScript app is bundled once, however many of it run). */
const loaded = new Map<string, Promise<ApplianceApp<ModelSpec>>>();

async function loadOnce(name: string): Promise<ApplianceApp<ModelSpec>> {
  const isPath = name.includes("/") || /\.[cm]?[jt]s$/.test(name);
  if (!isPath) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`not an example name: ${JSON.stringify(name)}`);
    if (!EXAMPLES.includes(name)) throw new UsageError(`no example called ${name} (try ${EXAMPLES.join(", ")}, or a path to your app.ts)`);
    return exported(name, await import(new URL(`../../../../examples/${name}/app.js`, import.meta.url).href));
  }
  const file = moduleFile(name);
  if (!/\.[cm]?ts$/.test(file)) return exported(name, await importing(name, pathToFileURL(file).href));
  const out = await build({ entryPoints: [file], bundle: true, packages: "external", platform: "node", format: "esm", target: "node20", write: false, logLevel: "silent", sourcemap: "inline" }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const first = error.errors?.[0];
    throw new UsageError(`${name} does not compile: ${first?.text ?? String(error)}${first?.location ? ` (${first.location.file}:${first.location.line})` : ""}`);
  });
  const bundled = join(dirname(file), `.hearth-${basename(file)}-${process.pid}.mjs`);
  writeFileSync(bundled, out.outputFiles[0]?.contents ?? new Uint8Array());
  try {
    return exported(name, await importing(name, pathToFileURL(bundled).href));
  } finally {
    rmSync(bundled, { force: true });
  }
}

function moduleFile(name: string): string {
  const full = resolve(name);
  if (!existsSync(full)) throw new UsageError(`${name}: no such file`);
  if (!statSync(full).isDirectory()) return full;
  for (const candidate of ["app.ts", "app.js"]) if (existsSync(join(full, candidate))) return join(full, candidate);
  throw new UsageError(`${name} is a folder with no app.ts or app.js: name the module that exports \`app\``);
}

async function importing(name: string, url: string): Promise<{ app?: unknown }> {
  try {
    return (await import(url)) as { app?: unknown };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "ERR_UNKNOWN_FILE_EXTENSION") throw new UsageError(`${name} cannot be loaded: ${e.message.split("\n")[0]}`);
    throw error;
  }
}

function exported(name: string, module: { app?: unknown }): ApplianceApp<ModelSpec> {
  const app = module.app as Partial<ApplianceApp<ModelSpec>> | undefined;
  if (app === undefined) throw new UsageError(`${name} does not export an app (export const app = defineApp({ ... }) from hearth/sim)`);
  if (typeof app.firmware !== "function" || app.model === undefined) throw new UsageError(`${name}: its app is not an appliance app (made with defineApp from hearth/sim)`);
  return app as ApplianceApp<ModelSpec>;
}
