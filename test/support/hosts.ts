import type { SimFlash } from "../../hal/sim/flash.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import type { Plant } from "../../sdk/desk/sim/app.js";
import { Cloud } from "../../sdk/cloud/index.js";
import type { Message } from "../../sdk/protocol/envelope.js";
import { QuickJsBoard } from "../../sdk/desk/sim/quickjs-board.js";
import { loadBundle } from "../../sdk/desk/node/host/load-bundle.js";
import { loadQuickJs } from "../../sdk/desk/sim/quickjs-mcu.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { app } from "../../examples/aircon/app.js";
import { airconModel } from "../../examples/aircon/model.js";
import { EPOCH, keys } from "./ota.js";
import { virtualTime } from "./virtual-time.js";

/** A board booting the image in `flash`, its cloud on an in-memory broker, in virtual time; on either host. */
export interface HostedAircon {
  host: "node" | "embedded";
  clock: VirtualClock;
  cloud: Cloud;
  plant: Plant;
  uplink: Message[];
  firmware(): string | undefined;
  resets(): readonly { reason: string }[];
  run(ms: number, until?: () => boolean): Promise<void>;
  settle<T>(request: Promise<T>): Promise<T>;
  board: HostEngineBoard<typeof airconModel.spec> | QuickJsBoard<typeof airconModel.spec>;
}

export const HOSTS = ["node", "embedded"] as const;

export async function hostAircon(host: "node" | "embedded", flash: SimFlash, o: { hangMs?: number; dataBudget?: number } = {}): Promise<HostedAircon> {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const network = { transport: () => broker.transport("ac-1"), deviceId: "ac-1" };
  let board: HostedAircon["board"];
  if (host === "node") {
    const sim = new HostEngineBoard(app, { clock, flash, images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle } });
    sim.connect(network.transport, network.deviceId);
    board = sim;
  } else {
    board = new QuickJsBoard(app, { clock, flash, quickjs: await loadQuickJs(), stopwatch: () => performance.now(), publicKey: keys.publicKey, network, ...o });
  }
  const cloud = new Cloud(broker.transport("cloud"), [airconModel], () => EPOCH + clock.now());
  const uplink: Message[] = [];
  cloud.onUplink((_, m) => uplink.push(m));
  void cloud.start();
  const { run, settle } = virtualTime(clock, 60 * 60_000);
  return { host, clock, cloud, plant: board.plant, uplink, firmware: () => board.firmware, resets: () => board.resets, run, settle, board };
}
