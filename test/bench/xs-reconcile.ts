import { execFile } from "node:child_process";
import { H1 } from "../../hal/h1.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { transformSync } from "esbuild";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { MCU_SLOT_BYTES, XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import type { NativeBinding } from "../../hal/native.js";
import { userSettings, type ApplianceApp } from "../../sdk/desk/sim/app.js";
import { ImageBoard } from "../../sdk/desk/sim/image-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { APPLIANCES, loadExample } from "../support/engine-trace.js";
import { moddableSource, moddableTools, xstReport } from "../support/moddable-sdk.js";
import { factoryFlash, keys } from "../support/ota.js";
import { virtualTime } from "../support/virtual-time.js";
import { DAY, workingDay } from "./footprint.js";

const run = promisify(execFile);

/** The calls XsMcu's shim queues (they return nothing the image uses): not replayed, as on a chip they return nothing. */
const DEFERRED = new Set(["setWake", "watchdogFeed", "log", "mqttPublish", "mqttSubscribe", "ioClose"]);
/** The simulated day: the footprint benchmark's (DAY), the broker gone for an hour from hour 6. */
const DAY_MS = Number(process.env["XS_RECONCILE_MS"] ?? DAY.ms);
const SCHEDULE = { ms: DAY_MS, outageFrom: Math.min(DAY.outageFrom, DAY_MS / 4), outageMs: Math.min(DAY.outageMs, DAY_MS / 4) };
const OUTAGE = { from: SCHEDULE.outageFrom, ms: SCHEDULE.outageMs };

/** A value as the log carries it (JSON): bytes as hex, undefined marked. */
function encode(value: unknown): unknown {
  if (value === undefined) return { $u: 1 };
  if (value instanceof ArrayBuffer) return { $b: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value)) return { $b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

interface Recorded {
  log: string[];
  /** The benchmark's own figure at each measurement: live data above the loaded image (XsMcu: a heap snapshot). */
  measured: number[];
  image: number;
  code: number;
}

/**
 * The footprint benchmark's day on XS (xsnap, XsMcu: live data from heap snapshots each simulated
 * minute), with an hour's outage, recording what crosses the native binding: each call into the
 * image with the chip's time, each native call that returns something and what it returned, and
 * each of XsMcu's measurements with its figure.
 */
async function recordDay(name: string, app: ApplianceApp<ModelSpec>): Promise<Recorded> {
  const { image } = await buildFirmware({ entry: `examples/${name}`, board: app.boardId, version: [1, 0, 0], securityCounter: 1, secretKey: keys.secretKey });
  const log: string[] = [];
  const measured: number[] = [];
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  let mcu: XsMcu | undefined;
  const board = new ImageBoard(app, {
    clock,
    flash: factoryFlash(image, H1.flash, undefined, app.boardId),
    publicKey: keys.publicKey,
    network: { transport: () => broker.transport(name), deviceId: name },
    mcu: (hooks) => {
      const m = new XsMcu({}, hooks);
      const inner = m as unknown as { command(message: unknown[]): unknown; native: NativeBinding | undefined };
      const command = inner.command.bind(m);
      inner.command = (message) => {
        log.push(JSON.stringify(["E", clock.now(), ...message.map(encode)]));
        return command(message);
      };
      const start = m.start.bind(m);
      m.start = (native) => {
        const wrappers = new Map<string, unknown>();
        const recording = new Proxy(native, {
          get(target, key) {
            const value = Reflect.get(target, key) as unknown;
            if (typeof value !== "function") return value;
            if (typeof key !== "string" || key === "now" || DEFERRED.has(key)) return (value as (...a: unknown[]) => unknown).bind(target);
            let wrapper = wrappers.get(key);
            if (wrapper === undefined) {
              wrapper = (...args: unknown[]) => {
                const result = (value as (...a: unknown[]) => unknown).apply(target, args);
                log.push(JSON.stringify(["N", key, encode(result)]));
                return result;
              };
              wrappers.set(key, wrapper);
            }
            return wrapper;
          },
        });
        start(recording);
      };
      const measure = m.measure.bind(m);
      m.measure = () => {
        const live = measure();
        if (live !== undefined) {
          // XsMcu's figure, and its two parts: slots and chunk bytes above the loaded image.
          const loaded = (m as unknown as { loaded: { slots: number; chunkBytes: number } }).loaded;
          measured.push(m.heap.dataBytes);
          log.push(JSON.stringify(["M", clock.now(), m.heap.dataBytes, live.slots - loaded.slots, live.chunkBytes - loaded.chunkBytes]));
        }
        return live;
      };
      mcu = m;
      return m;
    },
  });
  const cloud = new Cloud(broker.transport("cloud"), [app.model]);
  await cloud.start();
  await workingDay(virtualTime(clock).run, broker, () => void cloud.device(name, app.model).set(userSettings(app) as never).catch(() => undefined), SCHEDULE);
  if (board.heap === undefined || board.resets.length > 0) throw new Error(`${name} did not run a day on XS: ${JSON.stringify(board.resets)}`);
  const code = board.heap.codeBytes;
  board.powerOff();
  await cloud.stop();
  void mcu;
  return { log, measured, image: image.bundle.length, code };
}

/**
 * The same day again in Moddable's own xst (built from the vendored SDK with XS's memory report
 * on: after each collection XS prints the slots and chunk bytes in use), the image answered
 * native call by native call from the log: at each of XsMcu's measurements a collection, and XS's
 * own count.
 */
function replayScript(bundle: string, log: string[]): string {
  const image = transformSync(bundle, { format: "iife", globalName: "hearthImage", target: "es2022", logLevel: "silent" }).code;
  // xst's parser takes a string literal up to its buffer (64 KB): the log goes in as parts of whole lines.
  const parts: string[] = [];
  let part = "";
  for (const line of log) {
    if (part.length + line.length > 16_000 && part !== "") {
      parts.push(part);
      part = "";
    }
    part += `${line}\n`;
  }
  parts.push(part);
  return `
const LOG = [
${parts.map((p) => JSON.stringify(p)).join(",\n")}
];
let partAt = 0, at = 0;
const next = () => {
  for (;;) {
    const part = LOG[partAt];
    if (part === undefined) return undefined;
    const end = part.indexOf("\\n", at);
    if (end < 0) { partAt++; at = 0; continue; }
    const line = part.slice(at, end); at = end + 1;
    return JSON.parse(line);
  }
};
const decode = (v) => {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === "object") {
    if (v.$u === 1) return undefined;
    if (typeof v.$b === "string") { const b = new Uint8Array(v.$b.length / 2); for (let i = 0; i < b.length; i++) b[i] = parseInt(v.$b.substr(2 * i, 2), 16); return b.buffer; }
    const o = {}; for (const k of Object.keys(v)) o[k] = decode(v[k]); return o;
  }
  return v;
};
let clock = 0;
const DEFERRED = ${JSON.stringify([...DEFERRED])};
const NAMES = ${JSON.stringify(["boot", "setWake", "digitalOpen", "analogOpen", "pwmOpen", "serialOpen", "zeroCrossOpen", "triacOpen", "triacWrite", "displayOpen", "displayWrite", "touchKeysOpen", "motorOpen", "motorWrite", "i2cOpen", "i2cRead", "i2cWrite", "spiOpen", "spiTransfer", "ioRead", "ioWrite", "ioClose", "flashGeometry", "flashRead", "flashProgram", "flashErase", "watchdogStart", "watchdogFeed", "restart", "random", "sha256", "ed25519Verify", "mqttStart", "mqttSubscribe", "mqttPublish", "mqttStop", "panic", "log"])};
const binding = { version: 2, now: () => clock };
for (const name of NAMES) binding[name] = DEFERRED.includes(name) ? () => undefined : () => {
  const r = next();
  if (r === undefined || r[0] !== "N" || r[1] !== name) throw new Error("replay: the image called " + name + " where the log has " + JSON.stringify(r));
  return decode(r[2]);
};
${image}
const engine = hearthImage.engine;
// After each call into the image its promise jobs run, as the engine contract says (xsnap runs them before it
// replies): xst runs jobs only from its loop, so the replay awaits between calls and lets them run.
(async () => {
await undefined;
$262.gc(); print("# LOADED");
for (;;) {
  const r = next();
  if (r === undefined) break;
  if (r[0] === "E") {
    clock = r[1];
    const [, , entry, ...args] = r;
    if (entry === "start") engine.start(binding);
    else if (entry === "inspect") engine.inspect();
    else engine[entry](...args.map(decode));
    for (let i = 0; i < 16; i++) await undefined;
  } else if (r[0] === "M") {
    $262.gc(); print("# MEASURE " + r[1] + " " + r[2] + " " + r[3] + " " + r[4]);
  } else throw new Error("replay: a native answer where none was asked: " + JSON.stringify(r));
}
print("# END");
})().catch((e) => print("# FAILED " + e));
`;
}

interface Counted {
  at: number;
  benchmark: number;
  /** The benchmark's parts: slots and chunk bytes (xsnap's heap snapshot). */
  benchmarkSlots: number;
  benchmarkChunks: number;
  /** xst's: slots and chunk bytes in use after its collection (XS's memory report). */
  slots: number;
  chunks: number;
}

/** XS's own counts after each measurement's collection, above those once the image had loaded. */
function parseReport(out: string): Counted[] {
  let slots = 0;
  let chunks = 0;
  let base: { slots: number; chunks: number } | undefined;
  const counted: Counted[] = [];
  for (const line of out.split("\n")) {
    const chunk = /^# Chunk collection: reserved \d+ used (\d+)/.exec(line);
    if (chunk) chunks = Number(chunk[1]);
    const slot = /^# Slot collection: reserved \d+ used (\d+)/.exec(line);
    if (slot) slots = Number(slot[1]) / 32; // this 64-bit xst's slot is 32 bytes
    if (line === "# LOADED") base = { slots, chunks };
    const m = /^# MEASURE (\d+) (\d+) (-?\d+) (-?\d+)/.exec(line);
    if (m && base) counted.push({ at: Number(m[1]), benchmark: Number(m[2]), benchmarkSlots: Number(m[3]), benchmarkChunks: Number(m[4]), slots: slots - base.slots, chunks: chunks - base.chunks });
  }
  return counted;
}

/** `npm run bench -- xs-reconcile`: the footprint benchmark's live data on XS against Moddable's xst's own count, each appliance over a day with an outage. */
export async function xsReconcileBench(): Promise<void> {
  const source = moddableSource();
  if (source === undefined) throw new Error("xs-reconcile needs the vendored Moddable SDK (../shared/moddable-sdk or HEARTH_MODDABLE_SDK)");
  const xst = await xstReport(await moddableTools(source));
  const work = mkdtempSync(join(tmpdir(), "hearth-xs-reconcile-"));
  const rows: string[] = [];
  try {
    // XS_RECONCILE=aircon,washer picks appliances; XS_RECONCILE_MS shortens the day (a quick look, not the figure).
    const only = process.env["XS_RECONCILE"]?.split(",");
    for (const name of APPLIANCES.filter((a) => only === undefined || only.includes(a))) {
      const app = loadExample(name);
      const started = performance.now();
      const recorded = await recordDay(name, app);
      const { image } = await buildFirmware({ entry: `examples/${name}`, board: app.boardId, version: [1, 0, 0], securityCounter: 1, secretKey: keys.secretKey });
      const script = join(work, `${name}.js`);
      writeFileSync(script, replayScript(new TextDecoder().decode(image.bundle), recorded.log));
      const { stdout, stderr } = await run(xst, ["-s", script], { cwd: work, maxBuffer: 1 << 30 });
      if (!stdout.includes("# END")) throw new Error(`${name}: the replay in xst did not finish: ${stderr.slice(-2000)}`);
      const counted = parseReport(stdout);
      // XS_RECONCILE_TRACE=N: every Nth measurement's parts, to see where two counts part.
      const every = Number(process.env["XS_RECONCILE_TRACE"] ?? 0);
      if (every > 0) for (const c of counted.filter((_, i) => i % every === 0)) console.log(`${name} ${(c.at / 3_600_000).toFixed(2)} h: benchmark ${c.benchmarkSlots} slots + ${c.benchmarkChunks} B; xst ${c.slots} slots + ${c.chunks} B`);
      const xs = counted.map((c) => c.slots * MCU_SLOT_BYTES + c.chunks);
      const bench = counted.map((c) => c.benchmark);
      const peak = (v: number[]): number => Math.max(...v);
      const worst = Math.max(...counted.map((c, i) => Math.abs((xs[i] as number) - c.benchmark) / Math.max(1, c.benchmark)));
      const outage = counted.filter((c) => c.at >= OUTAGE.from && c.at < OUTAGE.from + OUTAGE.ms + 600_000);
      const last = counted.at(-1) as Counted;
      const slotsWorst = Math.max(...counted.map((c) => Math.abs(c.slots - c.benchmarkSlots) / Math.max(1, c.benchmarkSlots)));
      rows.push(
        `| ${name} | ${recorded.image} | ${recorded.code} | ${peak(bench)} | ${peak(xs)} | ${bench.at(-1)} | ${xs.at(-1)} | ${peak(outage.map((c) => c.benchmark))} | ${(100 * worst).toFixed(1)} % | ${last.benchmarkSlots} / ${last.slots} (${(100 * slotsWorst).toFixed(1)} %) | ${last.benchmarkChunks} / ${last.chunks} | ${counted.length} | ${recorded.log.length} | ${((performance.now() - started) / 1000).toFixed(0)} s |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    [
      "\nxs-reconcile: live data above the loaded image (bytes: slots at 16, chunks as this host lays them out), a simulated day with the broker gone from hour 6 to 7",
      "| appliance | image | XS code (benchmark) | data peak: benchmark (xsnap snapshot) | data peak: xst's own count | after the day: benchmark | after the day: xst | peak in the outage hour and the 10 min after (benchmark) | largest difference at one measurement | slots after the day: benchmark / xst (largest difference) | chunk bytes after the day: benchmark / xst | measurements | native crossings logged | time |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      ...rows,
    ].join("\n"),
  );
}
