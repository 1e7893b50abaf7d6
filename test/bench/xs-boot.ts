import type { NativeBinding } from "../../hal/native.js";
import type { Image } from "../../os/boot/image.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import { MCU_SLOT_BYTES, XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import { ImageBoard } from "../../sdk/desk/sim/image-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { keys } from "../support/ota.js";
import { virtualTime } from "../support/virtual-time.js";

/** One native call start() made, with what the chip answered. */
interface Call {
  name: string;
  args: unknown[];
  result: unknown;
}

export interface BootGarbage {
  /** Slot bytes start() left as garbage, the simulator's shim included. */
  total: number;
  /** The same calls replayed by an image that does nothing else: the shim's share (on a chip the binding is C). */
  shim: number;
}

/**
 * XS's boot garbage, split between the image and the simulator's shim (the
 * CBOR and buffers each native call costs in XS, which a chip's C binding
 * does not make). The image boots on a board twice: on its factory flash,
 * and again after ten minutes of work (a reboot reads a store that is in
 * use); each start()'s native calls are recorded with their answers, and
 * replayed, in order, by an image that makes no other object and keeps what
 * each call returns (a chip's binding makes that too): its garbage is the
 * shim's. What the two leave apart is the image's own.
 */
export async function xsBootGarbage(name: string, app: ApplianceApp<ModelSpec>, image: Image): Promise<{ first: BootGarbage; reboot: BootGarbage }> {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  let mcu: XsMcu | undefined;
  let calls: Call[] = [];
  const board = new ImageBoard(app, {
    clock,
    flash: installed(app, image),
    publicKey: keys.publicKey,
    network: { transport: () => broker.transport(name), deviceId: name },
    mcu: (hooks) => {
      const xs = new XsMcu({}, hooks);
      const start = xs.start.bind(xs);
      xs.start = (native) => {
        calls = [];
        const recorder = recording(native, calls);
        start(recorder.native);
        recorder.stop();
      };
      return (mcu = xs);
    },
  });
  const { run } = virtualTime(clock);
  await run(2_000);
  const first = { total: measured(mcu), shim: replayGarbage(calls) };
  await run(600_000);
  board.reset("software");
  await run(2_000);
  const reboot = { total: measured(mcu), shim: replayGarbage(calls) };
  board.powerOff();
  return { first, reboot };
}

/** start()'s garbage in bytes; a collection during it leaves no figure (XsMcu says NaN), and that is said. */
function measured(mcu: XsMcu | undefined): number {
  const slots = mcu?.bootGarbageSlots ?? Number.NaN;
  if (!Number.isFinite(slots)) throw new Error("XS collected garbage during start(), or did not start: no boot garbage figure");
  return slots * MCU_SLOT_BYTES;
}

/** A factory-fresh H1 flash with the image installed for the app's board. */
function installed(app: ApplianceApp<ModelSpec>, image: Image): SimFlash {
  const flash = new SimFlash(H1.flash);
  installConfirmed(flash, { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") }, keys.publicKey, app.boardId, verifyEd25519, image.bytes);
  return flash;
}

/**
 * `native`, each call the image makes until `stop()` noted with its answer (not `now`: the shim
 * answers the image's own, and the host asks it to stamp each command).
 */
function recording(native: NativeBinding, calls: Call[]): { native: NativeBinding; stop(): void } {
  let starting = true;
  const recorder = new Proxy(native, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== "function" || key === "now") return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (starting) calls.push({ name: String(key), args: args.map(copy), result: copy(result) });
        return result;
      };
    },
  });
  return { native: recorder, stop: () => (starting = false) };
}

const copy = (x: unknown): unknown => (x instanceof ArrayBuffer ? x.slice(0) : typeof x === "object" && x !== null ? structuredClone(x) : x);

/** The garbage of an image whose start() makes these calls and nothing else, answered as they were. */
function replayGarbage(calls: readonly Call[]): number {
  // Numbers and text are literals (they make nothing); byte arguments are made ahead of start(), as the
  // image made them before each call, so the replay's garbage is the calls' alone.
  const buffers: string[] = [];
  const literal = (x: unknown): string => {
    if (x instanceof ArrayBuffer) return `b[${buffers.push(`new Uint8Array(${JSON.stringify([...new Uint8Array(x)])}).buffer`) - 1}]`;
    return x === undefined ? "undefined" : JSON.stringify(x);
  };
  // What each call returns is kept: a chip's binding makes those objects too (a flash read's bytes), so
  // they are the image's garbage when it drops them, not the shim's.
  const body = calls.map((c) => `kept.push(native.${c.name}(${c.args.map(literal).join(", ")}));`).join("\n");
  const source = `const b = [${buffers.join(",\n")}];\nconst kept = new Array(${calls.length + 1});\nkept.length = 0;\nexport const engine = { start(native) {\n${body}\n}, wake() {}, readable() {}, mqtt() {}, inspect() { return "{}"; } };`;
  const answers = calls.map((c) => c.result);
  let next = 0;
  const fake = new Proxy({} as NativeBinding, { get: (_t, key) => (key === "version" ? 2 : key === "now" ? () => 0 : () => copy(answers[next++])) });
  // What it keeps (every sector it read) is more than a chip keeps: the budget is no matter here.
  const xs = new XsMcu({ dataBudget: 64 * 1024 * 1024 }, { onCrash: (cause) => { throw new Error(`the replay crashed: ${cause}`); } });
  xs.load(new TextEncoder().encode(source));
  xs.start(fake);
  xs.stop();
  return measured(xs);
}
