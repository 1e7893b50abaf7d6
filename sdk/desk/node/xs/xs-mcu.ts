import { buildSync, transformSync } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NativeBinding } from "../../../../hal/native.js";
import { decodeUtf8 } from "../../../../os/cbor.js";
import type { Inspection } from "../../../device/runtime/inspection.js";
import { crashCause, H1_DATA_BUDGET, HUNG, type HeapFigures, type ImageMcu, type McuHooks } from "../../sim/image-mcu.js";
import { NATIVE_SIGNATURES } from "../../../../hal/native.js";
import { decodeNumericCall, decodeWire, encodeResult, encodeWire } from "./wire.js";
import { XsExit, XsWorker, type XsMeter } from "./worker.js";

/** The native functions by opcode, in the order the shim numbers them. */
const NATIVE_NAMES = Object.keys(NATIVE_SIGNATURES);

/** A 32-bit MCU's XS slot (ESP32, H1): 16 bytes, where this 64-bit host's is 32. */
export const MCU_SLOT_BYTES = 16;

/**
 * The XS stack a Hearth image gets on a chip (the Moddable manifest's `creation.stack`), in slots: 20 KiB
 * at 16 bytes a slot. Every example's deepest path (an update's confirmation, written through the kv
 * store to flash) needs 696 slots here, the simulator's shim included: this leaves over 40 % headroom
 * (test/engines/xs-stack.test.ts holds it). Moddable's own ESP32 targets mostly give 512.
 */
export const XS_STACK_SLOTS = 1280;

export interface XsMcuOptions {
  /** Bytes firmware may use beyond its code. Default H1_DATA_BUDGET. */
  dataBudget?: number;
  /** XS's computation meter for one call into the image (xsnap computrons); past it the call is a hang. Default 10^8. */
  computeLimit?: number;
  /** The machine's stack in slots, as a Moddable manifest's `creation.stack` gives it; past it, a stack overflow ends the image. Default XS_STACK_SLOTS. */
  stackSlots?: number;
  /** Chip time between two measurements of live data (a heap snapshot each, a few ms). Default 60 s. */
  measureEveryMs?: number;
}

/** What an XS heap snapshot says is live (XS collects before it writes one). */
export interface XsLive {
  slots: number;
  chunkBytes: number;
}

let shimScript: string | undefined;
/** The shim (shim.ts) and its CBOR, as one script for XS. */
function shim(): string {
  shimScript ??= buildSync({ entryPoints: [fileURLToPath(new URL("./shim.js", import.meta.url))], bundle: true, format: "iife", write: false, target: "es2022", logLevel: "silent" }).outputFiles[0]?.text ?? "";
  return shimScript;
}

/** Reads a snapshot's atom sizes: live slots (HEAP) and chunk bytes (BLOC); slot size from VERS. */
function readLive(path: string): XsLive {
  const data = readFileSync(path);
  let slotBytes = 32;
  let slots = 0;
  let chunkBytes = 0;
  for (let at = 8; at + 8 <= data.length; ) {
    const size = data.readUInt32BE(at);
    const type = data.toString("latin1", at + 4, at + 8);
    if (type === "VERS") slotBytes = Math.abs(data.readInt8(at + 11));
    if (type === "HEAP") slots = (size - 8) / slotBytes;
    if (type === "BLOC") chunkBytes = size - 8;
    if (size < 8) break;
    at += size;
  }
  return { slots, chunkBytes };
}

/**
 * The simulated H1's MCU as Moddable's XS: the image's bundle runs in an XS
 * machine (an xsnap worker, built from Moddable's sources by @agoric/xsnap),
 * over the native binding carried on xsnap's command channel to the
 * simulated chip. Memory is XS's own count: live slots (at 16 bytes, a 32-bit
 * MCU's slot) plus live chunk bytes (as this 64-bit host lays them out: an
 * upper bound, since chunks that hold slots are half that size on the chip),
 * measured from a heap snapshot after the bundle loads, after start() and
 * then every `measureEveryMs` of chip time, above the machine's empty heap.
 * Data beyond the budget at a measurement is out of memory: a panic, as the
 * chip's allocator would end it (xsnap's heap itself is not capped, so an
 * image may overrun between two measurements). Node-only (Linux).
 */
export class XsMcu implements ImageMcu {
  readonly heap: HeapFigures = { codeBytes: 0, dataBytes: 0, peakDataBytes: 0, limitBytes: 0 };
  /**
   * Slots start() allocated that were garbage by its end (XS had not collected during it: xsnap's heap
   * starts large), counted from the slots in use once the load's garbage was collected. Includes the
   * shim's own buffers and CBOR per native call, which a chip does in C (test/bench/xs-boot.ts
   * measures that share apart).
   */
  bootGarbageSlots = 0;
  private readonly worker: XsWorker;
  private native: NativeBinding | undefined;
  private readonly empty: XsLive;
  private loaded: XsLive = { slots: 0, chunkBytes: 0 };
  private loadedHeapCount = 0;
  private depth = 0;
  private measuredAt = 0;
  private dead = false;
  private readonly queued: (() => void)[] = [];

  constructor(
    private readonly options: XsMcuOptions,
    private readonly hooks: McuHooks,
  ) {
    this.worker = new XsWorker({ computeLimit: options.computeLimit ?? 1e8, stackSlots: options.stackSlots ?? XS_STACK_SLOTS });
    this.enter(() => this.worker.evaluate(shim(), () => new Uint8Array(0)));
    this.empty = this.live();
  }

  get alive(): boolean {
    return !this.dead;
  }

  load(bundle: Uint8Array): boolean {
    let script: string;
    try {
      // The image is an ES module; XS takes it here as a script that leaves its exports on a global.
      script = transformSync(decodeUtf8(bundle), { format: "iife", globalName: "hearthImage", target: "es2022", logLevel: "silent" }).code;
    } catch (error) {
      this.crash(`the image's bundle does not load: ${(error as Error).message.split("\n")[0] ?? ""}`);
      return false;
    }
    const meter = this.enter(() => this.worker.evaluate(script, () => new Uint8Array(0)));
    if (meter === undefined) return false;
    this.loaded = this.live();
    // The slots in use once the snapshot's collection has run (the load's own garbage gone), so that
    // what start() leaves above it is start()'s alone.
    const collected = this.enter(() => this.worker.evaluate("0", () => new Uint8Array(0)));
    if (collected === undefined) return false;
    this.loadedHeapCount = collected.currentHeapCount;
    this.heap.codeBytes = this.bytes(this.loaded, this.empty);
    this.heap.limitBytes = this.heap.codeBytes + (this.options.dataBudget ?? H1_DATA_BUDGET);
    return true;
  }

  start(native: NativeBinding): void {
    this.native = native;
    const meter = this.call(["start", native.version]);
    const live = this.measure();
    if (meter !== undefined && live !== undefined) {
      const garbage = meter.currentHeapCount - this.loadedHeapCount - (live.slots - this.loaded.slots);
      // Below zero, XS collected during start() and the count says nothing: NaN, not a figure that looks good.
      this.bootGarbageSlots = garbage >= 0 ? garbage : Number.NaN;
    }
  }

  invoke(name: "wake" | "readable" | "mqtt", ...args: (number | string | ArrayBuffer | undefined)[]): void {
    if (this.dead) return;
    if (this.depth > 0) {
      this.queued.push(() => this.invoke(name, ...args));
      return;
    }
    this.call([name, ...args]);
    const now = this.native?.now() ?? 0;
    if (now - this.measuredAt >= (this.options.measureEveryMs ?? 60_000)) this.measure();
    while (this.queued.length > 0 && !this.dead && this.depth === 0) this.queued.shift()?.();
  }

  inspect(): Inspection | undefined {
    if (this.dead || this.depth > 0) return undefined;
    const text = this.enter(() => this.command(["inspect"]).value);
    return typeof text === "string" ? (JSON.parse(text) as Inspection) : undefined;
  }

  /** Measures live data now (a snapshot); over the budget, the image is out of memory. */
  measure(): XsLive | undefined {
    if (this.dead || this.depth > 0 || this.heap.limitBytes === 0) return undefined;
    this.measuredAt = this.native?.now() ?? 0;
    const live = this.live();
    this.heap.dataBytes = Math.max(0, this.bytes(live, this.loaded));
    this.heap.peakDataBytes = Math.max(this.heap.peakDataBytes, this.heap.dataBytes);
    if (this.heap.dataBytes > this.heap.limitBytes - this.heap.codeBytes) this.panic(`out of memory: ${this.heap.dataBytes} bytes of live data`);
    return live;
  }

  panic(cause: string): void {
    this.crash(crashCause(cause, this.heap));
  }

  stop(): void {
    this.dead = true;
    this.worker.kill();
  }

  private bytes(now: XsLive, base: XsLive): number {
    return (now.slots - base.slots) * MCU_SLOT_BYTES + (now.chunkBytes - base.chunkBytes);
  }

  private live(): XsLive {
    const path = join(tmpdir(), `hearth-xs-${process.pid}-${Math.random().toString(36).slice(2)}.xss`);
    try {
      this.worker.snapshot(path);
      return readLive(path);
    } finally {
      rmSync(path, { force: true });
    }
  }

  private call(message: unknown[]): XsMeter | undefined {
    return this.enter(() => this.command(message).meter);
  }

  /** One command into the image (it brings the chip's time: see shim.ts), and the native calls it queued. */
  private command(message: unknown[]): { value: unknown; meter: XsMeter } {
    const { reply, meter } = this.worker.command(encodeWire([this.native?.now() ?? 0, ...message]), (q) => this.answer(q));
    const [calls, value] = decodeWire(reply) as [unknown[][], unknown];
    this.runQueued(calls);
    return { value, meter };
  }

  /** A native call from the image, after the calls it queued before it: run on the simulated chip, its result sent back. */
  private answer(query: Uint8Array): Uint8Array {
    const numeric = decodeNumericCall(query);
    if (numeric !== undefined) return encodeResult(this.runNative([NATIVE_NAMES[numeric.opcode], ...numeric.args]));
    const [calls, ...call] = decodeWire(query) as [unknown[][], ...unknown[]];
    this.runQueued(calls);
    return encodeResult(this.runNative(call));
  }

  private runQueued(calls: unknown[][]): void {
    for (const call of calls) if (!this.dead) this.runNative(call);
  }

  private runNative([name, ...args]: unknown[]): unknown {
    const fn = this.native?.[name as keyof NativeBinding];
    if (typeof fn !== "function") return { error: "bad-option", message: `no native function ${String(name)}` };
    return (fn as (...a: unknown[]) => unknown).apply(this.native, args);
  }

  private enter<T>(fn: () => T): T | undefined {
    this.depth++;
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof XsExit)) throw error;
      if (!this.dead) this.crash(error.code === 17 ? HUNG : error.code === 11 ? crashCause("out of memory", this.heap) : error.message.replace(/^the XS worker stopped: /, ""));
      return undefined;
    } finally {
      this.depth--;
    }
  }

  private crash(cause: string): void {
    if (this.dead) return;
    this.dead = true;
    this.worker.kill();
    this.hooks.onCrash(cause);
  }
}
