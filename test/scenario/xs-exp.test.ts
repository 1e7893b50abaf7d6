import { it } from "vitest";
import { VirtualClock } from "../../os/virtual-clock.js";
import { MemoryBroker } from "../../sdk/sim/memory-broker.js";
import { XsBoard } from "../../sdk/node/xs/xs-board.js";
import { app } from "../../examples/aircon/app.js";
import { airconImage, factoryFlash, keys } from "../support/ota.js";

it("xs experiment", async () => {
  const image = await airconImage([1, 0, 0], 1);
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const t0 = performance.now();
  const board = new XsBoard(app, { clock, flash: factoryFlash(image), publicKey: keys.publicKey, network: { transport: () => broker.transport("ac-1"), deviceId: "ac-1" } });
  board.onLog((r) => { if (r.level !== "info") console.log(r); });
  console.log("boot ms", performance.now() - t0, board.firmware, board.heap);
  const mcu = (board as any).mcu.engine;
  let ts = performance.now();
  for (let i = 0; i < 100; i++) mcu.measure();
  console.log("snapshot ms", (performance.now() - ts) / 100);
  const t1 = performance.now();
  clock.runFor(60 * 60_000);
  console.log("1h ms", performance.now() - t1, board.firmware, board.heap, board.status());
}, 300_000);
