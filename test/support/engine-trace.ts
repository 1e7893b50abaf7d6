import { sha256 } from "@noble/hashes/sha2.js";
import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { loadBundle } from "../../sdk/desk/node/host/load-bundle.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import { userSettings, type ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { SimulatedBoard } from "../../sdk/desk/sim/board.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { ImageBoard } from "../../sdk/desk/sim/image-board.js";
import type { HeapFigures, McuFactory } from "../../sdk/desk/sim/image-mcu.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { QuickJsBoard } from "../../sdk/desk/sim/quickjs-board.js";
import { loadQuickJs } from "../../sdk/desk/sim/quickjs-mcu.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { app as aircon } from "../../examples/aircon/app.js";
import { app as fridge } from "../../examples/fridge/app.js";
import { app as vacuum } from "../../examples/vacuum/app.js";
import { app as washer } from "../../examples/washer/app.js";
import { keys } from "./ota.js";
import { virtualTime } from "./virtual-time.js";

export type TraceEngine = "node" | "quickjs" | "xs";
export const APPLIANCES = ["aircon", "washer", "fridge", "vacuum"] as const;

/** The example's image, built and signed once per run. */
const images = new Map<string, Promise<Uint8Array>>();
export function exampleImage(name: string, app: ApplianceApp<ModelSpec>): Promise<Uint8Array> {
  let image = images.get(name);
  if (image === undefined) {
    const version = app.firmwareVersion.split(".").map(Number) as [number, number, number];
    image = buildFirmware({ entry: `examples/${name}`, board: app.boardId, version, securityCounter: 1, secretKey: keys.secretKey }).then((r) => r.image.bytes);
    images.set(name, image);
  }
  return image;
}

const EXAMPLES = { aircon: aircon as unknown, washer: washer as unknown, fridge: fridge as unknown, vacuum: vacuum as unknown } as Record<(typeof APPLIANCES)[number], ApplianceApp<ModelSpec>>;
export function loadExample(name: (typeof APPLIANCES)[number]): ApplianceApp<ModelSpec> {
  return EXAMPLES[name];
}

export interface EngineRun {
  hash: string;
  lines: number;
  board: SimulatedBoard<ModelSpec>;
  /** The MCU's heap at the end (image engines). */
  heap: HeapFigures | undefined;
}

/**
 * The appliance's image booted on a board with `engine`, the cloud setting the
 * app's initial settings once it is up, for `ms` of simulated time; the hash of
 * what crosses the chip's edge: every pin's level change, every PWM duty change
 * and each triac gate's conduction (sampled each simulated second) and every
 * MQTT publish (topic and bytes), with its time.
 */
export async function engineTrace(name: (typeof APPLIANCES)[number], engine: TraceEngine, ms: number, o: { xs?: McuFactory; lines?: string[] } = {}): Promise<EngineRun> {
  const app = loadExample(name);
  const image = await exampleImage(name, app);
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const hasher = sha256.create();
  const encoder = new TextEncoder();
  let lines = 0;
  let done = false;
  const line = (text: string): void => {
    if (done) return;
    hasher.update(encoder.encode(`${clock.now()} ${text}\n`));
    o.lines?.push(`${clock.now()} ${text}`);
    lines++;
  };
  const routed = broker as unknown as { route(topic: string, payload: Uint8Array): void };
  const route = routed.route.bind(broker);
  routed.route = (topic, payload) => {
    line(`mqtt ${topic} ${Buffer.from(payload).toString("hex")}`);
    route(topic, payload);
  };
  const flash = new SimFlash(H1.flash);
  installConfirmed(flash, { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") }, keys.publicKey, app.boardId, verifyEd25519, image);
  const network = { transport: () => broker.transport("dev-1"), deviceId: "dev-1" };
  const options = { clock, seed: 7, flash, publicKey: keys.publicKey, network };
  let board: SimulatedBoard<ModelSpec>;
  if (engine === "node") {
    const host = new HostEngineBoard(app, { clock, seed: 7, flash, images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle } });
    host.connect(network.transport, network.deviceId);
    board = host;
  } else if (engine === "quickjs") {
    board = new QuickJsBoard(app, { ...options, quickjs: await loadQuickJs(), stopwatch: () => performance.now() });
  } else {
    board = new ImageBoard(app, { ...options, mcu: o.xs ?? ((hooks) => new XsMcu({}, hooks)) });
  }
  board.h1.watch((pin) => line(`pin ${pin} ${board.h1.level(pin)}`));
  const duty = new Map<number, string>();
  let shownBefore = "";
  // A user at the panel, the same touches on every engine: five presses of keys 1..5 from 20 minutes on (the
  // air conditioner's modes go round once, its target up and back down; key 0, power or start, is left alone).
  for (let key = 1; key < 6; key++) {
    for (let n = 0; n < 5; n++) {
      const at = 20 * 60_000 + (key * 5 + n) * 3_000;
      board.hardware.after(at, () => board.h1.panel.touch(key, true));
      board.hardware.after(at + 120, () => board.h1.panel.touch(key, false));
    }
  }
  board.hardware.every(1000, () => {
    for (let pin = 0; pin < H1.gpioCount; pin++) {
      const out = board.h1.pwmOutput(pin);
      const now = out === undefined ? "-" : `${out.hz}/${out.duty}`;
      if ((duty.get(pin) ?? "-") !== now) line(`pwm ${pin} ${now}`);
      duty.set(pin, now);
    }
    // The panel: what the display shows (its digits, lights and blinking).
    const view = board.h1.panel.display();
    const shown = `${view.segments.join(",")}/${view.indicators}/${view.blink ? "blink" : "steady"}`;
    if (shownBefore !== shown) line(`display ${shown}`);
    shownBefore = shown;
    // The triac gates: the conduction the mains block counted (its firings, at full-power ms).
    for (const pin of H1.appliance.triac.pins) {
      const conducted = board.h1.mains.conductedMs(pin).toFixed(3);
      if ((duty.get(100 + pin) ?? "0.000") !== conducted) line(`triac ${pin} ${conducted}`);
      duty.set(100 + pin, conducted);
    }
  });
  const cloud = new Cloud(broker.transport("cloud"), [app.model], () => 1_800_000_000_000 + clock.now());
  void cloud.start();
  const device = cloud.device("dev-1", app.model);
  board.hardware.after(10_000, () => void device.set(userSettings(app) as never, { timeoutMs: 60_000 }).catch(() => undefined));
  const { run } = virtualTime(clock);
  await run(ms);
  await cloud.stop();
  done = true;
  const hash = Buffer.from(hasher.digest()).toString("hex");
  const heap = board.heap === undefined ? undefined : { ...board.heap };
  board.powerOff();
  return { hash, lines, board, heap };
}
