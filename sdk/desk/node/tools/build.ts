import { build, type Plugin } from "esbuild";
import { builtinModules } from "node:module";
import { existsSync } from "node:fs";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Image } from "../../../../os/boot/image.js";
import { buildImage } from "../../../../os/boot/signing.js";
import type { DevBoard, DevWiring } from "../../../../boards/dev/index.js";
import { constTopLevel } from "./const-pass.js";
import { devWiring } from "./dev-wiring.js";
import { modelHash } from "../../../protocol/model-hash.js";
import type { ModelSpec } from "../../../thing/model.js";

export interface BuildOptions {
  /** An example folder (with image.ts) or an entry module. */
  entry: string;
  board: string;
  version: readonly [number, number, number];
  securityCounter: number;
  secretKey: Uint8Array;
  /** A dev board to build for (the Moddable target): the firmware's parts are wired as this board's wiring says. */
  devBoard?: DevBoard;
  /** Build for `board` even when the firmware is wired for another (tests of a bootloader's refusal); refused by default. */
  anyBoard?: boolean;
}

export interface BuildResult {
  image: Image;
  /** Bundle bytes by where they came from: hal, os, sdk, boards, examples, node_modules/<package>. */
  sizeByPart: Record<string, number>;
  /** Built for a dev board: the wiring of the firmware's parts on it. */
  devWiring?: DevWiring;
}

/**
 * In an image, SHA-256 is the chip's (the native binding's), not a JavaScript
 * library. The shim is taken from the same tree as the entry (sources, or the
 * built dist/), so the image holds one copy of it, the one its engine binds.
 */
function chipHash(entry: string): Plugin {
  const here = fileURLToPath(new URL(".", import.meta.url)); // sdk/desk/node/tools/ or dist/sdk/desk/node/tools/
  const compiled = here.includes(`${sep}dist${sep}`);
  const sources = compiled ? resolve(here, "../../../../..") : resolve(here, "../../../..");
  const shim = entry.startsWith(join(sources, "dist") + sep) || entry.endsWith(".js") ? join(sources, "dist/sdk/device/runtime/chip-sha256.js") : join(sources, "sdk/device/runtime/chip-sha256.ts");
  return {
    name: "hearth-chip-hash",
    setup(b) {
      b.onResolve({ filter: /^@noble\/hashes\/sha2(\.js)?$/ }, () => ({ path: shim }));
    },
  };
}

/**
 * The image carries its model's hash, worked out here: the entry is run in
 * Node (an image's modules only define things as they load: on Moddable
 * they run at build time anyway) and the hash of its engine's model goes in
 * place of sdk/protocol/built-model-hashes.ts. An entry that is not an engine
 * gets none, and would work its hash out as it boots.
 */
function builtModelHashes(entry: string): Plugin {
  const namespace = "hearth-built-model-hashes";
  return {
    name: namespace,
    setup(b) {
      b.onResolve({ filter: /(^|\/)built-model-hashes(\.js|\.ts)?$/ }, (args) =>
        args.importer.endsWith(`model-hash${extname(args.importer)}`) ? { path: relative(process.cwd(), resolve(args.resolveDir, args.path)), namespace } : undefined,
      );
      // Frozen, as the tables an image defines are, so Moddable's linker keeps it in flash alone.
      b.onLoad({ filter: /.*/, namespace }, async () => ({ contents: `export const BUILT_MODEL_HASHES = ${frozenLiteral(await modelHashesOf(entry))};`, loader: "js" }));
    },
  };
}

/** `hashes` as JavaScript that makes it frozen: the record and each hash's array. */
function frozenLiteral(hashes: Record<string, number[]>): string {
  const entries = Object.entries(hashes).map(([key, hash]) => `${JSON.stringify(key)}: Object.freeze(${JSON.stringify(hash)})`);
  return `Object.freeze({ ${entries.join(", ")} })`;
}

async function modelHashesOf(entry: string): Promise<Record<string, number[]>> {
  let loaded: { engine?: { model?: { spec?: ModelSpec } } };
  try {
    const out = await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "node", write: false, logLevel: "silent" });
    loaded = (await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0]?.contents ?? []).toString("base64")}`)) as typeof loaded;
  } catch {
    return {}; // the build itself says what is wrong with the entry; the image would hash its model as it boots
  }
  const spec = loaded.engine?.model?.spec;
  if (spec === undefined) return {};
  return { [`${spec.id}@${spec.version}`]: [...modelHash({ spec })] };
}

/**
 * An image is for one board: the one whose wiring (boards/<id>/wiring) its
 * firmware imports. A board that is not that one (a typo, another
 * appliance's) is refused here, not at flash; a firmware that imports no
 * board's wiring (a chip of your own) may name any board id.
 */
function checkBoard(board: string, inputs: string[]): void {
  const wired = new Set(inputs.flatMap((input) => /(?:^|\/)boards\/([a-z0-9-]+)\/wiring\.[jt]s$/.exec(input.replace(/^[\w-]+:/, ""))?.slice(1) ?? []).filter((id) => id !== "dev"));
  if (!/^[a-z0-9-]{1,24}$/.test(board)) throw new Error(`--board ${JSON.stringify(board)} is not a board id: 1 to 24 of a-z 0-9 -`);
  if (wired.size === 0 || wired.has(board)) return;
  throw new Error(`no board called ${board} for this firmware: it is wired for ${[...wired].join(", ")} (boards/${[...wired][0]}/wiring)`);
}

/** The Hearth package's root (this file is in sdk/desk/node/tools/, or under dist/). */
const HEARTH_ROOT = ((): string => {
  const here = fileURLToPath(new URL(".", import.meta.url));
  return here.includes(`${sep}dist${sep}`) ? resolve(here, "../../../../..") : resolve(here, "../../../..");
})();

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Refuses, by name, any import of a Node built-in: firmware must run in an engine without Node. */
const noNode: Plugin = {
  name: "hearth-no-node",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (!NODE_BUILTINS.has(args.path) && !args.path.startsWith("node:")) return undefined;
      return { errors: [{ text: `firmware may not import the Node built-in "${args.path}" (imported by ${relative(process.cwd(), args.importer)}); keep Node-only code out of what goes into an image` }] };
    });
  },
};

/**
 * Builds a signed firmware image: esbuild bundles the entry for a neutral
 * platform (one minified ES module, no Node), and the bundle is wrapped in an
 * image header and signed (os/boot/IMAGE.md). Node-only.
 */
export async function buildFirmware(o: BuildOptions): Promise<BuildResult> {
  const folder = resolve(o.entry);
  const entry = existsSync(join(folder, "image.ts")) ? join(folder, "image.ts") : folder;
  if (!existsSync(entry)) throw new Error(`nothing to build at ${o.entry} (an example folder with image.ts, or a module)`);
  let wiring: DevWiring | undefined;
  const bundle = (minify: boolean) =>
    build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      minify,
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [noNode, chipHash(entry), builtModelHashes(entry), ...(o.devBoard === undefined ? [] : [devWiring(o.devBoard, (w) => (wiring = w))])],
    }).catch((error: { errors?: { text: string }[] }) => {
      throw new Error(`build failed: ${error.errors?.map((e) => e.text).join("; ") ?? String(error)}`);
    });
  const result = await bundle(true);
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error("build produced nothing");
  // A dev board's image is preloaded by Moddable's XS linker: its never-assigned top-level bindings go back to const (const-pass.ts).
  const contents = o.devBoard === undefined ? output.contents : new TextEncoder().encode((await constTopLevel((await bundle(false)).outputFiles[0]?.text ?? "")).code);
  const sizeByPart: Record<string, number> = {};
  for (const [, out] of Object.entries(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      // A module a plugin made is named "namespace:path"; its bytes belong where its path is.
      // Hearth's own modules (from a project that depends on it, too) count by Hearth's folders: hal, os, sdk.
      const path = resolve(input.replace(/^[\w-]+:/, ""));
      const own = path.startsWith(HEARTH_ROOT + sep) ? relative(HEARTH_ROOT, path) : relative(process.cwd(), path);
      const parts = own.replace(/^dist\//, "").split("/");
      const nm = parts.indexOf("node_modules");
      const part = nm >= 0 ? `node_modules/${parts[nm + 1]?.startsWith("@") ? `${parts[nm + 1]}/${parts[nm + 2]}` : parts[nm + 1]}` : (parts[0] ?? input);
      sizeByPart[part] = (sizeByPart[part] ?? 0) + bytesInOutput;
    }
  }
  if (o.devBoard === undefined && o.anyBoard !== true) checkBoard(o.board, Object.keys(result.metafile.inputs));
  const image = buildImage({ board: o.board, version: o.version, securityCounter: o.securityCounter }, contents, o.secretKey);
  return { image, sizeByPart, ...(wiring === undefined ? {} : { devWiring: wiring }) };
}
