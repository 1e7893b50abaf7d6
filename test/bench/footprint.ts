import { getQuickJS } from "quickjs-emscripten";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { loadQuickJs, QuickJsMcu } from "../../sdk/desk/sim/quickjs-mcu.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { userSettings, type ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { app as aircon } from "../../examples/aircon/app.js";
import { factoryFlash, keys } from "../support/ota.js";
import { report, type Figures } from "./table.js";
import type { Image } from "../../os/boot/image.js";
import { ImageBoard } from "../../sdk/desk/sim/image-board.js";
import { XS_STACK_SLOTS, XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import { bootAndUpdate, bootAndUpdateOnXs } from "../support/deep-paths.js";
import { virtualTime } from "../support/virtual-time.js";
import { xsBootGarbage } from "./xs-boot.js";

const EXAMPLES: { name: string; app: ApplianceApp<ModelSpec> }[] = [{ name: "aircon", app: aircon as unknown as ApplianceApp<ModelSpec> }];

/** The heap of an empty QuickJS context: what the engine takes before any firmware. */
async function engineBase(): Promise<number> {
  const rt = (await getQuickJS()).newRuntime();
  const vm = rt.newContext();
  const usage = rt.computeMemoryUsage();
  const used = vm.getNumber(vm.getProp(usage, "memory_used_size"));
  usage.dispose();
  vm.dispose();
  rt.dispose();
  return used;
}

/**
 * Each example's image on the embedded host: its size (and each part's
 * share), the heap right after loading (code), and the data heap beyond it,
 * at its peak and after one simulated hour of running with its cloud link.
 */
export async function footprintBench(): Promise<void> {
  const figures: Figures = { quickjs_empty_context_bytes: await engineBase() };
  const notes: Record<string, string> = { quickjs_empty_context_bytes: "QuickJS's own heap before any firmware (part of every code figure)" };
  for (const { name, app } of EXAMPLES) {
    const { image, sizeByPart } = await buildFirmware({ entry: `examples/${name}`, board: app.boardId, version: [1, 0, 0], securityCounter: 1, secretKey: keys.secretKey });
    const clock = new VirtualClock();
    const broker = new MemoryBroker();
    const quickjs = await loadQuickJs();
    let mcu: QuickJsMcu | undefined;
    const board = new ImageBoard(app, {
      clock,
      flash: factoryFlash(image),
      publicKey: keys.publicKey,
      network: { transport: () => broker.transport(name), deviceId: name },
      mcu: (hooks) => (mcu = new QuickJsMcu(quickjs, { stopwatch: () => performance.now(), measureBoot: true }, hooks)),
    });
    const cloud = new Cloud(broker.transport("cloud"), [app.model]);
    await cloud.start();
    const { run } = virtualTime(clock);
    await run(5_000);
    // Working, not idle: the app's settings (the air conditioner switched on and cooling), set from the cloud.
    void cloud.device(name, app.model).set(userSettings(app) as never).catch(() => undefined);
    await run(3_600_000);
    const heap = board.heap;
    if (heap === undefined || board.crashes.length > 0) throw new Error(`${name} did not run for an hour: ${JSON.stringify(board.crashes)}`);
    figures[`${name}_image_bytes`] = image.bundle.length;
    figures[`${name}_heap_code_bytes`] = heap.codeBytes;
    figures[`${name}_heap_peak_bytes`] = heap.peakDataBytes;
    figures[`${name}_heap_steady_bytes`] = heap.dataBytes;
    figures["boot_garbage_bytes_quickjs"] = mcu?.bootGarbageBytes ?? 0;
    notes[`${name}_image_bytes`] = "the minified bundle; goal <= 65536";
    notes[`${name}_heap_code_bytes`] = "heap right after the bundle loaded";
    notes[`${name}_heap_peak_bytes`] = "data heap beyond the code, highest over the hour; goal <= 98304";
    notes[`${name}_heap_steady_bytes`] = "data heap after one simulated hour";
    for (const [part, bytes] of Object.entries(sizeByPart).sort((a, b) => b[1] - a[1])) {
      figures[`${name}_share_${part.replace(/[^a-z0-9]+/gi, "_")}`] = Number((bytes / image.bundle.length).toFixed(3));
    }
    board.powerOff();
    await cloud.stop();
    Object.assign(figures, await xsDay(name, app, image));
    const boot = await xsBootGarbage(name, app, image);
    figures["boot_garbage_bytes_xs"] = boot.first.total - boot.first.shim;
    figures["boot_garbage_bytes_xs_reboot"] = boot.reboot.total - boot.reboot.shim;
    figures["boot_garbage_bytes_xs_shim"] = boot.first.shim;
    figures["quickjs_stack_peak_bytes"] = await quickjsStackPeak(name as "aircon");
    const stackPeak = await xsStackPeak(name as "aircon");
    figures["xs_stack_peak_slots"] = stackPeak;
    figures["xs_stack_headroom"] = Number((1 - stackPeak / XS_STACK_SLOTS).toFixed(3));
  }
  Object.assign(notes, {
    xs_data_heap_peak_bytes: "XS: live data beyond the code (slots at 16 bytes + chunks as this 64-bit host lays them out), highest over a simulated day with an hour's outage, measured each simulated minute; Moddable's own xst (XS 17.9.1, what an ESP32 export runs) counts 2.2 % more for the air conditioner (bench xs-reconcile, each appliance); goal <= 65536",
    xs_data_heap_steady_bytes: "XS: live data after the day",
    xs_code_bytes: "XS: the loaded bundle, live, before start() (on a chip it is preloaded into flash)",
    xs_stack_peak_slots: `XS: the least stack (slots) that boots, works an hour and takes an update with no overflow, found by bisection; includes the simulator shim's frames at each native call (C on a chip): an upper bound`,
    quickjs_stack_peak_bytes: "QuickJS: the least C stack limit (JS_SetMaxStackSize) under which boot, an hour and an update give the same pin trace as with none, by bisection to 256 bytes; QuickJS's C stack in WebAssembly's linear memory only (locals WebAssembly keeps in its own registers are not in it), so a floor for an MCU's C stack, not its figure",
    xs_stack_headroom: `XS: 1 - peak / the manifest's stack (${XS_STACK_SLOTS} slots); goal >= 0.4`,
    boot_garbage_bytes_quickjs: "QuickJS: the highest heap at start()'s native calls above what stays after it (reference counts free most garbage at once: this transient is boot's churn); goal <= 32768",
    boot_garbage_bytes_xs: "XS: slots start() left as garbage at first boot (factory flash), at 16 bytes, less the simulator shim's share (test/bench/xs-boot.ts: the same native calls, with the same answers, replayed by an image that does nothing else and keeps what they return); chunks not counted; goal <= 32768",
    boot_garbage_bytes_xs_reboot: "XS: the same at a reboot after ten minutes of work (a store in use)",
    boot_garbage_bytes_xs_shim: "XS: the simulator shim's share of the first boot's garbage (its buffers and CBOR per native call; a chip's binding is C)",
  });
  report("footprint", figures, notes);
}

/**
 * The least C stack (QuickJS's limit, bytes) the same paths run in on QuickJS
 * with the very same outcome as without a limit: QuickJS throws a catchable
 * "stack overflow", so the test is what the appliance does (its pins),
 * not only whether it crashed.
 */
async function quickjsStackPeak(name: "aircon"): Promise<number> {
  const quickjs = await loadQuickJs();
  const run = (maxStackBytes: number | undefined) =>
    bootAndUpdate(name, (hooks) => new QuickJsMcu(quickjs, { stopwatch: () => performance.now(), hangMs: 60_000, ...(maxStackBytes === undefined ? {} : { maxStackBytes }) }, hooks));
  const reference = await run(undefined);
  if (reference.crashes.length > 0 || reference.update !== "done") throw new Error(`${name} did not take its update on QuickJS: ${JSON.stringify(reference)}`);
  const same = async (bytes: number): Promise<boolean> => {
    const r = await run(bytes);
    return r.crashes.length === 0 && r.update === "done" && r.pins === reference.pins;
  };
  let [short, enough] = [1024, 1024 * 1024];
  if (!(await same(enough))) throw new Error(`${name} needs more than ${enough} bytes of QuickJS stack`);
  while (enough - short > 256) {
    const mid = Math.floor((short + enough) / 2);
    if (await same(mid)) enough = mid;
    else short = mid;
  }
  return enough;
}

/** The least XS stack the image's deepest paths run in: bisection between a stack that overflows and one that does not. */
async function xsStackPeak(name: "aircon"): Promise<number> {
  const fits = async (slots: number): Promise<boolean> => {
    const run = await bootAndUpdateOnXs(name, slots);
    return run.crashes.length === 0 && run.update === "done";
  };
  let [overflows, enough] = [64, XS_STACK_SLOTS];
  if (!(await fits(enough))) throw new Error(`${name} does not run in the manifest's stack of ${XS_STACK_SLOTS} slots`);
  while (enough - overflows > 1) {
    const mid = Math.floor((overflows + enough) / 2);
    if (await fits(mid)) enough = mid;
    else overflows = mid;
  }
  return enough;
}

/** A simulated day, by default: the broker is gone for an hour from hour 6 (the reconnect after it is the day's peak on a chip). */
export const DAY = { ms: 86_400_000, outageFrom: 6 * 3_600_000, outageMs: 3_600_000 };

/**
 * A working day for a board on `broker`: five seconds, then `work` (the app's settings set from the
 * cloud), then the rest of `day` with the broker's outage in it.
 */
export async function workingDay(run: (ms: number) => Promise<unknown>, broker: MemoryBroker, work: () => void, day = DAY): Promise<void> {
  await run(5_000);
  work();
  await run(day.outageFrom - 5_000);
  broker.stop();
  await run(day.outageMs);
  broker.start();
  await run(day.ms - day.outageFrom - day.outageMs);
}

/** The same image on XS for a simulated day with an outage, working (settings set from the cloud as above). */
async function xsDay(name: string, app: ApplianceApp<ModelSpec>, image: Image): Promise<Figures> {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const board = new ImageBoard(app, {
    clock,
    flash: factoryFlash(image),
    publicKey: keys.publicKey,
    network: { transport: () => broker.transport(name), deviceId: name },
    mcu: (hooks) => new XsMcu({}, hooks),
  });
  const cloud = new Cloud(broker.transport("cloud"), [app.model]);
  await cloud.start();
  await workingDay(virtualTime(clock).run, broker, () => void cloud.device(name, app.model).set(userSettings(app) as never).catch(() => undefined));
  const heap = board.heap;
  if (heap === undefined || board.resets.length > 0) throw new Error(`${name} did not run a day on XS: ${JSON.stringify(board.resets)}`);
  const figures: Figures = {
    xs_code_bytes: heap.codeBytes,
    xs_data_heap_peak_bytes: heap.peakDataBytes,
    xs_data_heap_steady_bytes: heap.dataBytes,
  };
  board.powerOff();
  await cloud.stop();
  return figures;
}
