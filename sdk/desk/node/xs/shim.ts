/*
 * The engine side of the native contract inside XS (runs in the xsnap
 * worker, bundled into a script by xs-mcu.ts; no Node here). It makes the
 * native binding the image's `engine.start` receives, each function a
 * synchronous `issueCommand` to the host (the simulated H1), and answers the
 * host's commands: an entry point of the image's engine, then its pending
 * promise jobs (xsnap runs them before it replies).
 *
 * Three things spare crossings, or their cost, without changing what the chip
 * sees. Time does not pass on a simulated chip while its image runs (the host
 * is blocked), so each command brings `now()` and the shim answers it. Calls
 * that return nothing the image could use (DEFERRED) are queued and sent, in
 * order, ahead of the next call that returns something, or with the command's
 * reply: the host runs every call in the order the image made it. A call with
 * only numbers in, and nothing queued, crosses as float64s (wire.ts).
 */
import type { ImageEngine, NativeBinding } from "../../../../hal/native.js";
import { NATIVE_SIGNATURES } from "../../../../hal/native.js";
import { decodeResult, decodeWire, encodeWire, numericCaller } from "./wire.js";

declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;
declare const hearthImage: { engine?: ImageEngine } | undefined;

const bytes = (u: Uint8Array): ArrayBuffer => (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? (u.buffer as ArrayBuffer) : u.slice().buffer);

const DEFERRED = new Set(["setWake", "watchdogFeed", "log", "mqttPublish", "mqttSubscribe", "ioClose"]);
let clock = 0;
let queued: unknown[][] = [];

const allNumbers = (args: unknown[]): args is number[] => {
  for (const a of args) if (typeof a !== "number") return false;
  return true;
};
const numericCall = numericCaller();

/**
 * The binding, made once as the shim loads, before any image: on the H1 it is
 * the chip's C, so its objects are not the image's data (XsMcu measures data
 * above the heap the loaded shim and image leave).
 */
const binding: Record<string, unknown> = { version: 0, now: () => clock };
Object.keys(NATIVE_SIGNATURES).forEach((name, opcode) => {
  if (name === "now") return;
  binding[name] = DEFERRED.has(name)
    ? (...args: unknown[]) => void queued.push([name, ...args])
    : (...args: unknown[]) => {
        if (queued.length === 0 && allNumbers(args)) return decodeResult(issueCommand(numericCall(opcode, args)));
        const calls = queued;
        queued = [];
        return decodeResult(issueCommand(bytes(encodeWire([calls, name, ...args]))));
      };
});

function native(version: number): NativeBinding {
  binding["version"] = version;
  return binding as unknown as NativeBinding;
}

/** A command's reply: the calls still queued, and what it returns. */
function reply(value?: unknown): ArrayBuffer {
  const calls = queued;
  queued = [];
  return bytes(encodeWire([calls, value]));
}

const host = globalThis as unknown as { handleCommand: (message: ArrayBuffer) => ArrayBuffer };
host.handleCommand = (message) => {
  const [now, entry, ...args] = decodeWire(new Uint8Array(message)) as [number, string, ...unknown[]];
  clock = now;
  const engine = hearthImage?.engine;
  if (engine === undefined) throw new Error("the image's bundle does not export an engine (hal/NATIVE.md)");
  if (entry === "start") {
    engine.start(native(args[0] as number));
    return reply();
  }
  if (entry === "inspect") return reply(engine.inspect());
  (engine[entry as "wake" | "readable" | "mqtt"] as (...a: unknown[]) => void)(...args);
  return reply();
};
