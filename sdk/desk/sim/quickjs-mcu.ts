import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from "quickjs-emscripten";
import type { NativeBinding } from "../../../hal/native.js";
import { decodeUtf8 } from "../../../os/cbor.js";
import type { Inspection } from "../../device/runtime/inspection.js";
import { crashCause, H1_DATA_BUDGET, HUNG, type HeapFigures, type ImageMcu, type McuHooks } from "./image-mcu.js";
import { NATIVE_SIGNATURES, type ArgKind } from "../../../hal/native.js";

export { H1_DATA_BUDGET, type HeapFigures } from "./image-mcu.js";

export interface QuickJsMcuOptions {
  /** Bytes firmware may use beyond its code. Default H1_DATA_BUDGET. */
  dataBudget?: number;
  /** A call into the image running longer than this (real ms) is a hang: stopped, as the watchdog would. Default 2000. */
  hangMs?: number;
  /** The host's monotonic real-time clock in ms (performance.now), which hang detection measures with. */
  stopwatch: () => number;
  /** QuickJS's C stack limit, bytes (its `JS_SetMaxStackSize`); past it a call throws "stack overflow". Default QuickJS's own. */
  maxStackBytes?: number;
  /** Measure start()'s transient heap at each of its native calls (bootGarbageBytes); a benchmark's, off by default: it costs a heap census per call. */
  measureBoot?: boolean;
}

let engine: Promise<QuickJSWASMModule> | undefined;

/** QuickJS's WebAssembly module, loaded once and shared by every board of this host. */
export function loadQuickJs(): Promise<QuickJSWASMModule> {
  engine ??= getQuickJS();
  return engine;
}

/**
 * The simulated H1's MCU: a QuickJS runtime with the chip's memory, running
 * one firmware image's bundle from a reset to the next. The bundle's
 * `engine` export is started over the native binding; calls into it run one
 * at a time (events that arrive during a call wait for it), with pending
 * promise jobs run after each. A call that runs too long is interrupted, and
 * running out of memory stops the firmware; either is reported as a crash
 * and the MCU stays dead, so the board's watchdog resets it.
 */
export class QuickJsMcu implements ImageMcu {
  readonly heap: HeapFigures = { codeBytes: 0, dataBytes: 0, peakDataBytes: 0, limitBytes: 0 };
  /**
   * What start() held for a while and let go: the highest heap seen at its native calls, above what
   * stays once it and its jobs are done. QuickJS frees most garbage at once (reference counts), so
   * this transient is what boot's churn costs it; XsMcu's figure is slots left for a collection.
   */
  bootGarbageBytes = 0;
  private startPeak: number | undefined;
  private readonly runtime: QuickJSRuntime;
  private readonly vm: QuickJSContext;
  private engineHandle: QuickJSHandle | undefined;
  private depth = 0;
  private enteredAt = 0;
  private dead = false;
  private disposed = false;
  private crashed = false;
  private readonly queued: (() => void)[] = [];

  constructor(
    module: QuickJSWASMModule,
    private readonly options: QuickJsMcuOptions,
    private readonly hooks: McuHooks,
  ) {
    this.runtime = module.newRuntime();
    this.vm = this.runtime.newContext();
    if (options.maxStackBytes !== undefined) this.runtime.setMaxStackSize(options.maxStackBytes);
    this.runtime.setInterruptHandler(() => this.dead || (this.depth > 0 && this.options.stopwatch() - this.enteredAt > (this.options.hangMs ?? 2000)));
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Loads the bundle (an ES module) and measures its code; false if it did not load. */
  load(bundle: Uint8Array): boolean {
    let source: string;
    try {
      source = decodeUtf8(bundle);
    } catch {
      this.crash("the image's bundle is not UTF-8 text");
      return false;
    }
    const loaded = this.enter(() => this.vm.evalCode(source, "image.js", { type: "module" }));
    if (loaded === undefined) return false;
    const engine = this.vm.getProp(loaded, "engine");
    loaded.dispose();
    if (this.vm.typeof(engine) !== "object") {
      engine.dispose();
      this.crash("the image's bundle does not export an engine (hal/NATIVE.md)");
      return false;
    }
    this.engineHandle = engine;
    this.heap.codeBytes = this.usedBytes();
    this.heap.limitBytes = this.heap.codeBytes + (this.options.dataBudget ?? H1_DATA_BUDGET);
    this.runtime.setMemoryLimit(this.heap.limitBytes);
    return true;
  }

  /** engine.start(native), with the native binding made from `native`'s functions. */
  start(native: NativeBinding): void {
    const object = this.vm.newObject();
    const version = this.vm.newNumber(native.version);
    this.vm.setProp(object, "version", version);
    version.dispose();
    for (const [name, kinds] of Object.entries(NATIVE_SIGNATURES) as [keyof typeof NATIVE_SIGNATURES, readonly ArgKind[]][]) {
      const fn = this.vm.newFunction(name, (...args) => {
        if (this.startPeak !== undefined) this.startPeak = Math.max(this.startPeak, this.usedBytes());
        const values = args.map((a, i) => this.fromVm(a, kinds[i] ?? "n"));
        const result = (native[name] as (...a: unknown[]) => unknown)(...values);
        return result === undefined ? undefined : this.toVm(result);
      });
      this.vm.setProp(object, name, fn);
      fn.dispose();
    }
    if (this.options.measureBoot === true) this.startPeak = this.usedBytes();
    this.call("start", [object]);
    object.dispose();
    if (!this.dead && this.startPeak !== undefined) this.bootGarbageBytes = Math.max(0, this.startPeak - this.usedBytes());
    this.startPeak = undefined;
  }

  /** Calls one of the engine's entry points (hal/native.ts ImageEngine) with plain values. */
  invoke(name: "wake" | "readable" | "mqtt", ...args: (number | string | ArrayBuffer | undefined)[]): void {
    if (this.dead) return;
    if (this.depth > 0) {
      // Run to completion: an event that arrives during a call waits for it.
      this.queued.push(() => this.invoke(name, ...args));
      return;
    }
    const handles = args.map((a) => this.toVm(a));
    this.call(name, handles);
    for (const h of handles) h.dispose();
    while (this.queued.length > 0 && !this.dead && this.depth === 0) this.queued.shift()?.();
  }

  /** engine.inspect(), parsed; undefined when the MCU is dead. */
  inspect(): Inspection | undefined {
    if (this.dead || this.engineHandle === undefined || this.depth > 0) return undefined;
    const fn = this.vm.getProp(this.engineHandle, "inspect");
    const result = this.vm.callFunction(fn, this.engineHandle);
    fn.dispose();
    if (result.error) {
      result.error.dispose();
      return undefined;
    }
    const text = this.vm.getString(result.value);
    result.value.dispose();
    return JSON.parse(text) as Inspection;
  }

  /** The image asked to stop (native `panic`): a crash with its cause; the running call is interrupted. */
  panic(cause: string): void {
    this.crash(crashCause(cause, this.heap));
  }

  /** The MCU stops (reset or power loss); its memory goes once no call is running. */
  stop(): void {
    this.dead = true;
    if (this.depth === 0) this.dispose();
  }

  private call(name: string, args: QuickJSHandle[]): void {
    if (this.engineHandle === undefined) return;
    const engine = this.engineHandle;
    const fn = this.vm.getProp(engine, name);
    const result = this.enter(() => this.vm.callFunction(fn, engine, ...args));
    fn.dispose();
    result?.dispose();
    if (this.dead) return;
    const jobs = this.enter(() => {
      const r = this.runtime.executePendingJobs();
      return r.error ? { error: r.error } : { value: this.vm.undefined };
    });
    jobs?.dispose();
    this.measure();
  }

  /** Runs `fn` inside the VM, turning its failure into a crash. */
  private enter(fn: () => { value: QuickJSHandle; error?: undefined } | { error: QuickJSHandle; value?: undefined }): QuickJSHandle | undefined {
    if (this.depth === 0) this.enteredAt = this.options.stopwatch();
    this.depth++;
    let outcome: ReturnType<typeof fn>;
    try {
      outcome = fn();
    } finally {
      this.depth--;
    }
    if (this.dead && this.depth === 0 && !this.disposed) {
      // Stopped from outside (power loss) while it ran.
      outcome.error?.dispose();
      outcome.value?.dispose();
      this.dispose();
      return undefined;
    }
    if (outcome.error !== undefined) {
      const error = this.vm.dump(outcome.error) as { name?: string; message?: string } | string | null;
      outcome.error.dispose();
      // A bare null is what QuickJS throws when it cannot even allocate the error: out of memory.
      const message = error === null ? "out of memory" : typeof error === "string" ? error : `${error.name ?? "Error"}: ${error.message ?? ""}`;
      this.crash(/interrupted/.test(message) ? HUNG : /out of memory/.test(message) ? crashCause("out of memory", this.heap) : `uncaught ${message}`);
      return undefined;
    }
    return outcome.value;
  }

  private crash(cause: string): void {
    if (this.dead) return;
    this.dead = true;
    this.crashed = true;
    this.hooks.onCrash(cause);
  }

  private measure(): void {
    if (this.dead || this.heap.limitBytes === 0) return;
    this.heap.dataBytes = Math.max(0, this.usedBytes() - this.heap.codeBytes);
    this.heap.peakDataBytes = Math.max(this.heap.peakDataBytes, this.heap.dataBytes);
  }

  private usedBytes(): number {
    const usage = this.runtime.computeMemoryUsage();
    const used = this.vm.getProp(usage, "memory_used_size");
    const bytes = this.vm.getNumber(used);
    used.dispose();
    usage.dispose();
    return bytes;
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // After a crash (out of memory above all) QuickJS's object lists may not add up, and freeing the
    // runtime would abort the whole WebAssembly module: its memory is left to the garbage collector.
    if (this.crashed) return;
    this.engineHandle?.dispose();
    this.vm.dispose();
    this.runtime.dispose();
  }

  private toVm(value: unknown): QuickJSHandle {
    const vm = this.vm;
    if (value === undefined) return vm.undefined;
    if (value === null) return vm.null;
    if (typeof value === "number") return vm.newNumber(value);
    if (typeof value === "string") return vm.newString(value);
    if (typeof value === "boolean") return value ? vm.true : vm.false;
    if (value instanceof ArrayBuffer) return vm.newArrayBuffer(value);
    if (Array.isArray(value)) {
      const array = vm.newArray();
      value.forEach((item, i) => {
        const h = this.toVm(item);
        vm.setProp(array, i, h);
        h.dispose();
      });
      return array;
    }
    const object = vm.newObject();
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const h = this.toVm(item);
      vm.setProp(object, key, h);
      h.dispose();
    }
    return object;
  }

  private fromVm(handle: QuickJSHandle, kind: ArgKind): number | string | ArrayBuffer {
    const vm = this.vm;
    if (kind === "s") return vm.getString(handle);
    if (kind === "n" || (kind === "nb" && vm.typeof(handle) === "number")) return vm.getNumber(handle);
    const view = vm.getArrayBuffer(handle);
    const copy = view.value.slice().buffer;
    view.dispose();
    return copy;
  }
}
