import type { QuickJSWASMModule } from "quickjs-emscripten";
import type { SimFlash } from "../../hal/sim/flash.js";
import type { Bootloader } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import type { LogSink } from "../../os/log.js";
import type { VirtualClock } from "../../os/virtual-clock.js";
import type { ApplianceApp } from "../app.js";
import type { Transport } from "../link/transport.js";
import type { ModelSpec } from "../model.js";
import type { SimulatedBoard } from "../sim/board.js";
import { Simulation } from "../sim/simulation.js";
import { EmbeddedBoard } from "./embedded-board.js";
import { loadBundle } from "./load-bundle.js";

/** Where the firmware runs on a simulated board: the host's engine (Node), or QuickJS with the H1's memory. */
export type Engine = "node" | "embedded";

/** One simulated appliance as the desktop host shows it, whichever engine runs its firmware. */
export interface HostedBoard {
  readonly board: SimulatedBoard<ModelSpec>;
  readonly firmware: string | undefined;
  status(): string;
  state(): Record<string, unknown>;
  linkState(): string;
  faults(): number;
  linkStats(): { sent: number; received: number; malformed: number; refused: number };
  update(): { phase: string; bytes: number; size: number } | undefined;
  onLog(sink: LogSink): void;
  /** The bootloader the serial port talks to, or undefined when the board runs no images. */
  bootloader(): Bootloader | undefined;
  /** Heap figures of the running image (embedded engine only). */
  heap(): { codeBytes: number; dataBytes: number; peakDataBytes: number } | undefined;
}

export interface HostedBoardOptions {
  engine: Engine;
  app: ApplianceApp<ModelSpec>;
  clock: VirtualClock;
  seed: number;
  flash?: SimFlash;
  /** Boot from images signed with this key (the embedded engine always does). */
  publicKey?: Uint8Array;
  network: { transport: () => Transport; deviceId: string };
  quickjs?: QuickJSWASMModule;
}

export function hostBoard(o: HostedBoardOptions): HostedBoard {
  if (o.engine === "embedded") {
    if (o.publicKey === undefined || o.quickjs === undefined) throw new Error("the embedded engine boots images: it needs their public key and QuickJS");
    const board = new EmbeddedBoard(o.app, { clock: o.clock, seed: o.seed, quickjs: o.quickjs, publicKey: o.publicKey, network: o.network, ...(o.flash === undefined ? {} : { flash: o.flash }) });
    const seen = () => board.inspect();
    return {
      board,
      get firmware() {
        return board.firmware;
      },
      status: () => board.status(),
      state: () => seen()?.state ?? {},
      linkState: () => seen()?.link ?? "down",
      faults: () => seen()?.faults ?? 0,
      linkStats: () => ({ sent: 0, received: 0, malformed: 0, refused: 0, ...seen()?.stats }),
      update: () => seen()?.update,
      onLog: (sink) => board.onLog(sink),
      bootloader: () => board.romBootloader(),
      heap: () => board.heap,
    };
  }
  const sim = new Simulation(o.app, {
    clock: o.clock,
    seed: o.seed,
    ...(o.flash === undefined ? {} : { flash: o.flash }),
    ...(o.publicKey === undefined ? {} : { images: { publicKey: o.publicKey, checkSignature: verifyEd25519, load: loadBundle } }),
  });
  sim.connect(o.network.transport, o.network.deviceId);
  return {
    board: sim,
    get firmware() {
      return sim.firmware;
    },
    status: () => sim.status(),
    state: () => sim.device.snapshot(),
    linkState: () => sim.link?.state ?? "down",
    faults: () => sim.kernel.faultCount,
    linkStats: () => ({ sent: 0, received: 0, malformed: 0, refused: 0, ...sim.link?.stats }),
    update: () => sim.updates?.progress,
    onLog: (sink) => sim.onLog(sink),
    bootloader: () => sim.bootloader,
    heap: () => undefined,
  };
}
