import type { QuickJSWASMModule } from "quickjs-emscripten";
import type { SimFlash } from "../../../hal/sim/flash.js";
import { verifyEd25519 } from "../../../os/boot/signing.js";
import type { VirtualClock } from "../../../os/virtual-clock.js";
import type { FirmwareModule } from "../../device/runtime/firmware.js";
import type { Transport } from "../../protocol/transport.js";
import type { ModelSpec } from "../../thing/model.js";
import type { ApplianceApp } from "./app.js";
import type { SimulatedBoard } from "./board.js";
import { HostEngineBoard } from "./host-engine-board.js";
import { ImageBoard } from "./image-board.js";
import type { McuFactory } from "./image-mcu.js";
import { QuickJsBoard } from "./quickjs-board.js";

/**
 * Where the firmware runs on a simulated board: the host's own engine
 * ("node"), QuickJS with the H1's memory ("embedded"), or Moddable's XS, the
 * engine of Moddable's ESP32 boards ("xs", from the host: sdk/desk/node/xs).
 */
export type Engine = "node" | "embedded" | "xs";

/** What the host gives a board that the simulator cannot make itself. */
export interface HostServices {
  /** Turns an image's verified bundle into the firmware module it exports (`loadBundle` on Node). */
  load(bundle: Uint8Array): FirmwareModule<ModelSpec>;
  /** The host's monotonic real-time clock in ms (hang detection of an embedded engine). */
  stopwatch(): number;
  /** QuickJS's module, for the embedded engine (`await loadQuickJs()`). */
  quickjs?: QuickJSWASMModule;
  /** An XS machine for the xs engine (Node on Linux: `new XsMcu({}, hooks)`). */
  xs?: McuFactory;
}

export interface StartBoardOptions {
  engine: Engine;
  app: ApplianceApp<ModelSpec>;
  clock: VirtualClock;
  seed: number;
  flash?: SimFlash;
  /** Boot from images signed with this key (the embedded engine always does). */
  publicKey?: Uint8Array;
  network: { transport: () => Transport; deviceId: string };
  host: HostServices;
}

/** A simulated board for `engine`, connected to its network. */
export function startBoard(o: StartBoardOptions): SimulatedBoard<ModelSpec> {
  const flash = o.flash === undefined ? {} : { flash: o.flash };
  if (o.engine === "xs") {
    if (o.publicKey === undefined || o.host.xs === undefined) throw new Error("the xs engine boots images: it needs their public key and an XS machine from the host");
    return new ImageBoard(o.app, { clock: o.clock, seed: o.seed, mcu: o.host.xs, publicKey: o.publicKey, network: o.network, ...flash });
  }
  if (o.engine === "embedded") {
    if (o.publicKey === undefined || o.host.quickjs === undefined) throw new Error("the embedded engine boots images: it needs their public key and QuickJS");
    return new QuickJsBoard(o.app, { clock: o.clock, seed: o.seed, quickjs: o.host.quickjs, stopwatch: o.host.stopwatch, publicKey: o.publicKey, network: o.network, ...flash });
  }
  const board = new HostEngineBoard(o.app, {
    clock: o.clock,
    seed: o.seed,
    ...flash,
    ...(o.publicKey === undefined ? {} : { images: { publicKey: o.publicKey, checkSignature: verifyEd25519, load: o.host.load } }),
  });
  board.connect(o.network.transport, o.network.deviceId);
  return board;
}
