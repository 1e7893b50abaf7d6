import type { NativeBinding } from "../../../hal/native.js";
import type { Inspection } from "../../device/runtime/inspection.js";

/** The H1's JavaScript data budget: what firmware may allocate beyond its code. */
export const H1_DATA_BUDGET = 160 * 1024;

export interface HeapFigures {
  /** Heap right after the bundle was loaded: the code (on a chip it would sit in flash). */
  codeBytes: number;
  /** Heap in use beyond the code, now and at its highest. */
  dataBytes: number;
  peakDataBytes: number;
  /** The memory limit set: code + the data budget. */
  limitBytes: number;
}

/**
 * An MCU-class engine running one image from a reset to the next (QuickJS in
 * sdk/desk/sim/quickjs-mcu.ts, XS in sdk/desk/node/xs). Its contract is hal/NATIVE.md's
 * "Threading and re-entry": entry points run one at a time, an event that
 * arrives during a call waits for it, pending jobs run after each. Out of
 * memory, a hang or an uncaught exception is a crash: reported once, and the
 * MCU stays dead until the board resets it.
 */
export interface ImageMcu {
  readonly alive: boolean;
  readonly heap: HeapFigures;
  /** Loads the bundle (an ES module exporting `engine`); false if it did not load (a crash was reported). */
  load(bundle: Uint8Array): boolean;
  /** engine.start(native). */
  start(native: NativeBinding): void;
  /** Calls one of the engine's entry points with plain values. */
  invoke(name: "wake" | "readable" | "mqtt", ...args: (number | string | ArrayBuffer | undefined)[]): void;
  /** engine.inspect(), parsed; undefined when the MCU is dead or busy. */
  inspect(): Inspection | undefined;
  /** The image asked to stop (native `panic`): a crash with its cause; the running call goes no further. */
  panic(cause: string): void;
  /** The MCU stops (reset or power loss). */
  stop(): void;
}

/** How every engine reports a call stopped for running too long. */
export const HUNG = "hung: the call did not return, stopped as the watchdog would";

/** A crash's cause as a board reports it: running out of memory says the limit the image ran into. */
export function crashCause(cause: string, heap: HeapFigures): string {
  if (!cause.startsWith("out of memory")) return cause;
  return `${cause} (limit ${heap.limitBytes} bytes: code ${heap.codeBytes} + data ${heap.limitBytes - heap.codeBytes})`;
}

/** What a board tells its MCU. */
export interface McuHooks {
  onCrash(cause: string): void;
}

/** Makes a board's MCU at each reset. */
export type McuFactory = (hooks: McuHooks) => ImageMcu;

