import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import type { NativeBinding } from "../../hal/native.js";
import { SimulatedH1 } from "../../hal/sim/h1-sim.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import { ImageBoard } from "../../sdk/desk/sim/image-board.js";
import type { ImageMcu, McuFactory } from "../../sdk/desk/sim/image-mcu.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { loadQuickJs, QuickJsMcu } from "../../sdk/desk/sim/quickjs-mcu.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { counterApp } from "../support/counter-app.js";
import { exampleImage, loadExample } from "../support/engine-trace.js";
import { OPEN_ORDER } from "../support/hal-firmware/classes.js";
import { BOARD, factoryFlash, keys } from "../support/ota.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import { virtualTime } from "../support/virtual-time.js";
import { report, type Figures } from "./table.js";

const MIN = 60_000;

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

/**
 * The gates' timing on the simulated H1, in virtual time: 50 Hz mains with
 * 300 µs of jitter, a gate at 90 degrees for a simulated minute. Each firing
 * against the instant the contract commands (from the measured half-cycle)
 * and against the ideal one (from the half-cycle the mains really had).
 */
function gateTiming(): Figures {
  let now = 0;
  const h1 = new SimulatedH1(() => now);
  h1.mains.set({ hz: 50, jitterUs: 300 });
  h1.mains.firings = [];
  h1.mains.crossingLog = [];
  const triac = new h1.io.Triac({ pin: H1.appliance.triac.pins[0] });
  triac.write({ mode: "phase", angle: 90 });
  for (now = 0; now <= MIN; now += 100) h1.mains.advance(now);
  const log = h1.mains.crossingLog;
  const commandedError: number[] = [];
  const idealError: number[] = [];
  for (const f of h1.mains.firings) {
    const i = log.indexOf(f.crossing);
    const next = log[i + 1];
    if (i < 8 || next === undefined) continue;
    const measured = ((log[i] as number) - (log[i - 8] as number)) / 8;
    commandedError.push(Math.abs(f.at - f.crossing - measured / 2) * 1000);
    idealError.push(Math.abs(f.at - (f.crossing + (next - f.crossing) / 2)) * 1000);
  }
  return { zero_cross_to_fire_us_p99: p99(commandedError), zero_cross_to_fire_vs_mains_us_p99: p99(idealError), gate_firings: h1.mains.firings.length };
}

/** Counts the image's entries, and the time in them, telling apart those a mains handle (zero-cross, triac) caused. */
function counting(make: McuFactory, tally: { entries: number; mainsEntries: number; mainsMs: number; allMs: number }): McuFactory {
  return (hooks) => {
    const mcu: ImageMcu = make(hooks);
    const mains = new Set<number>();
    const start = mcu.start.bind(mcu);
    mcu.start = (native: NativeBinding) =>
      start(
        new Proxy(native, {
          get(target, key) {
            const value = Reflect.get(target, key) as unknown;
            if (key === "zeroCrossOpen" || key === "triacOpen") {
              return (pin: number) => {
                const opened = (target[key] as (pin: number) => unknown)(pin);
                const handle = typeof opened === "number" ? opened : (opened as { handle?: number }).handle;
                if (typeof handle === "number") mains.add(handle);
                return opened;
              };
            }
            return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        }),
      );
    const invoke = mcu.invoke.bind(mcu);
    mcu.invoke = (name, ...args) => {
      const t = performance.now();
      invoke(name, ...args);
      const ms = performance.now() - t;
      tally.entries++;
      tally.allMs += ms;
      if (name === "readable" && mains.has(args[0] as number)) {
        tally.mainsEntries++;
        tally.mainsMs += ms;
      }
    };
    return mcu;
  };
}

/** The washer heating (its element in burst control) for ten simulated minutes on an image engine: firmware work per mains half-cycle. */
async function heatingWork(engine: "quickjs" | "xs"): Promise<Figures> {
  const app = loadExample("washer");
  const image = await exampleImage("washer", app);
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const quickjs = await loadQuickJs();
  const tally = { entries: 0, mainsEntries: 0, mainsMs: 0, allMs: 0 };
  const make: McuFactory = engine === "xs" ? (hooks) => new XsMcu({}, hooks) : (hooks) => new QuickJsMcu(quickjs, { stopwatch: () => performance.now() }, hooks);
  const flash = new SimFlash(H1.flash);
  installConfirmed(flash, { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") }, keys.publicKey, app.boardId, verifyEd25519, image);
  const board = new ImageBoard(app, { clock, flash, publicKey: keys.publicKey, network: { transport: () => broker.transport("w-1"), deviceId: "w-1" }, mcu: counting(make, tally) });
  const cloud = new Cloud(broker.transport("cloud"), [app.model], () => 1_800_000_000_000 + clock.now());
  await cloud.start();
  const { run } = virtualTime(clock);
  await run(10_000);
  const device = cloud.device("w-1", app.model);
  void device.set({ program: "cotton", temperature: 60 } as never).catch(() => undefined);
  await run(2_000);
  void device.invoke("start" as never, {} as never).catch(() => undefined);
  // Filling takes a few minutes; then it heats for a good while.
  await run(6 * MIN);
  const conductedBefore = board.h1.mains.conductedMs(19);
  Object.assign(tally, { entries: 0, mainsEntries: 0, mainsMs: 0, allMs: 0 });
  await run(10 * MIN);
  const halfCycles = (10 * MIN * 2 * 50) / 1000;
  const heated = (board.h1.mains.conductedMs(19) - conductedBefore) / (10 * MIN);
  board.powerOff();
  await cloud.stop();
  if (heated <= 0) throw new Error(`the washer did not heat on ${engine}: the benchmark measured nothing`);
  return {
    [`half_cycle_events_cpu_us_${engine}`]: (tally.mainsMs * 1000) / halfCycles,
    [`half_cycle_entries_${engine}`]: tally.mainsEntries / halfCycles,
    [`firmware_cpu_us_per_half_cycle_all_${engine}`]: Number(((tally.allMs * 1000) / halfCycles).toFixed(2)),
    [`heater_duty_${engine}`]: Number(heated.toFixed(3)),
  };
}

/** Each class's heap on QuickJS: a firmware opens one more each simulated second (support/hal-firmware/classes.ts). */
async function classHeap(): Promise<Figures> {
  const { image } = await buildFirmware({ entry: "test/support/hal-firmware/classes.ts", board: BOARD, version: [0, 0, 1], securityCounter: 1, secretKey: keys.secretKey });
  const clock = new VirtualClock();
  const quickjs = await loadQuickJs();
  const app = { ...counterApp, boardId: BOARD } as unknown as ApplianceApp<ModelSpec>;
  const board = new ImageBoard(app, { clock, flash: factoryFlash(image), publicKey: keys.publicKey, mcu: (hooks) => new QuickJsMcu(quickjs, { stopwatch: () => performance.now() }, hooks) });
  const { run } = virtualTime(clock);
  await run(500);
  const figures: Figures = {};
  let before = board.heap?.dataBytes ?? 0;
  for (const name of OPEN_ORDER) {
    await run(1000);
    const after = board.heap?.dataBytes ?? 0;
    figures[`heap_bytes_${name.toLowerCase()}`] = after - before;
    before = after;
  }
  if (board.crashes.length > 0) throw new Error(`the class firmware crashed: ${JSON.stringify(board.crashes)}`);
  board.powerOff();
  return figures;
}

export async function halBench(): Promise<void> {
  const figures: Figures = { ...gateTiming(), ...(await heatingWork("quickjs")), ...(await heatingWork("xs")), ...(await classHeap()) };
  report("hal", figures, {
    zero_cross_to_fire_us_p99: "virtual time: |firing - the commanded instant| (crossing + (180 - angle)/180 of the measured half-cycle), 50 Hz, 300 µs jitter, 90 degrees; the H1's step is 10 µs",
    zero_cross_to_fire_vs_mains_us_p99: "the same firings against the ideal instant (half of the half-cycle the mains really had): the jitter the detector cannot foresee",
    half_cycle_events_cpu_us_quickjs: "firmware CPU per mains half-cycle spent in entries a mains handle caused, QuickJS, the washer heating in burst control; goal 0",
    half_cycle_events_cpu_us_xs: "the same on XS; goal 0",
    half_cycle_entries_quickjs: "entries into the image a mains handle caused, per half-cycle",
    firmware_cpu_us_per_half_cycle_all_quickjs: "all the washer's firmware CPU in those ten minutes (its 500 ms control tick, the link), per half-cycle: for scale",
    heater_duty_quickjs: "share of full power the element drew over the ten minutes (the burst patterns the firmware set)",
    heap_bytes_digital: "QuickJS heap one open instance keeps (an image opens one more each simulated second); the classes themselves are made when the image loads, so this is the instance",
  });
}
