import type { Plugin } from "esbuild";

/*
 * Moddable's preload, as its documentation states it ("XS linker warnings",
 * "Using XS Preload"): a module the manifest preloads has its body run by the
 * XS linker at build time, and what it made is in ROM on the device.
 * Closures and plain objects can still change (XS aliases them in RAM), but
 * instances of the built-ins XS cannot alias are immutable from then on: a
 * preloaded Map, Set, WeakMap or WeakSet throws a TypeError on set, add,
 * delete or clear; a DataView on its setters; a typed array on set, fill,
 * copyWithin, reverse and sort (and on an indexed assignment, which this
 * emulation does not catch).
 *
 * In Node: `preload:begin`, imported before the preloaded modules, makes
 * those constructors record what they make; `preload:end`, imported after
 * them, puts the constructors back and makes what was recorded immutable the
 * way XS does. Instances made later (at run time, in RAM) are untouched.
 * An instance frozen as it was made takes no property of its own: its
 * class's method refuses it instead. Not emulated: frozen functions and class prototypes, a typed array's
 * indexed assignment, and writes to a preloaded ArrayBuffer through a view
 * made at run time.
 */

const BEGIN = String.raw`
const g = globalThis;
const MUTATORS = {
  Map: ["set", "delete", "clear"], Set: ["add", "delete", "clear"], WeakMap: ["set", "delete"], WeakSet: ["add", "delete"],
  DataView: ["setInt8", "setUint8", "setInt16", "setUint16", "setInt32", "setUint32", "setFloat32", "setFloat64", "setBigInt64", "setBigUint64"],
};
const TYPED = ["Uint8Array", "Int8Array", "Uint8ClampedArray", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];
for (const name of TYPED) MUTATORS[name] = ["set", "fill", "copyWithin", "reverse", "sort"];
const state = { made: [], originals: {} };
for (const name of Object.keys(MUTATORS)) {
  const Original = g[name];
  if (Original === undefined) continue;
  state.originals[name] = Original;
  g[name] = new Proxy(Original, {
    construct(target, args, newTarget) {
      const made = Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      state.made.push([name, made]);
      return made;
    },
  });
}
g.__moddablePreload = { state, MUTATORS, restore() { for (const [name, Original] of Object.entries(state.originals)) g[name] = Original; } };
`;

const END = String.raw`
const { state, MUTATORS, restore } = globalThis.__moddablePreload;
restore();
const refuse = (name, method) => { throw new TypeError("preloaded " + name + " is read-only (in ROM since the XS linker preloaded it): " + method); };
// A frozen instance takes no own property: its class's method refuses it instead (once patched, for every preload).
const frozen = (globalThis.__moddableFrozen ??= { instances: new WeakSet(), patched: new Set() });
for (const [name, made] of state.made) {
  if (Object.isExtensible(made)) {
    for (const method of MUTATORS[name]) Object.defineProperty(made, method, { value() { refuse(name, method); } });
    continue;
  }
  frozen.instances.add(made);
  for (const method of MUTATORS[name]) {
    const proto = globalThis[name].prototype;
    if (frozen.patched.has(name + "." + method)) continue;
    frozen.patched.add(name + "." + method);
    const original = proto[method];
    Object.defineProperty(proto, method, { value: function (...args) { if (frozen.instances.has(this)) refuse(name, method); return original.apply(this, args); }, writable: true, configurable: true });
  }
}
`;

/** Puts the built-ins back if a preloaded module threw before `preload:end` ran. */
export function endPreload(): void {
  (globalThis as { __moddablePreload?: { restore(): void } }).__moddablePreload?.restore();
}

/** The two markers' modules, for an esbuild build of a Moddable project's main.js. */
export function preloadPlugin(): Plugin {
  return {
    name: "moddable-preload",
    setup(b) {
      b.onResolve({ filter: /^preload:(begin|end)$/ }, (a) => ({ path: a.path, namespace: "moddable-preload" }));
      b.onLoad({ filter: /.*/, namespace: "moddable-preload" }, (a) => ({ contents: a.path === "preload:begin" ? BEGIN : END, loader: "js" }));
    },
  };
}

/** main.js's imports with the manifest's preloaded modules between the markers, in its order. */
export function preloadedImports(preload: readonly string[], imports: Readonly<Record<string, string>>): string {
  const lines = Object.entries(imports).map(([module, names]) => ({ module, line: `import ${names} from ${JSON.stringify(module)};` }));
  const early = lines.filter((l) => preload.includes(l.module)).map((l) => l.line);
  const late = lines.filter((l) => !preload.includes(l.module)).map((l) => l.line);
  return ['import "preload:begin";', ...early, 'import "preload:end";', ...late].join("\n");
}
