import { partition, H1 } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { KvStore } from "../../os/storage/kv-store.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlashFile } from "../../hal/sim/node/flash-file.js";
import { report } from "./table.js";

const KV_BYTES = partition("kv").size;
const geometry = { sizeBytes: KV_BYTES, sectorBytes: H1.flash.sectorBytes, programBytes: H1.flash.programBytes };

/** The air conditioner's writes: its settings record on every change from the remote or the app. */
const AIRCON_CHANGES_PER_DAY = 100;

export function storageBench(): void {
  // Writes and reads of 8-byte values over 100 keys, on the H1's kv partition.
  const flash = new SimFlash(geometry);
  const kv = KvStore.mount(flash);
  const value = new Uint8Array(8);
  const key = (i: number): string => `k${(i % 100).toString().padStart(3, "0")}`;
  for (let i = 0; i < 1000; i++) kv.set(key(i), value); // warm up past the first ring pass
  const programmedBefore = flash.bytesProgrammed;
  const writes = 20_000;
  let start = performance.now();
  for (let i = 0; i < writes; i++) {
    value[0] = i & 0xff;
    kv.set(key(i), value);
  }
  const writeMs = performance.now() - start;
  const userBytes = writes * (key(0).length + 8);
  const amplification = (flash.bytesProgrammed - programmedBefore) / userBytes;
  start = performance.now();
  for (let i = 0; i < writes; i++) kv.get(key(i));
  const readMs = performance.now() - start;

  // Mount of a full partition: 1,000 live keys, every sector in use.
  const full = new SimFlash(geometry);
  const filled = KvStore.mount(full);
  for (let i = 0; i < 1000; i++) filled.set(`key${i}`, Uint8Array.of(i & 0xff, i >> 8, 1, 2, 3, 4, 5, 6));
  for (let i = 0; filled.keys().length === 1000 && [...full.eraseCounts].every((c) => c === 0) && i < 100_000; i++) {
    filled.set(`key${i % 1000}`, Uint8Array.of(i & 0xff, 9, 9, 9, 9, 9, 9, 9));
  }
  let mountMs = Infinity;
  for (let round = 0; round < 5; round++) {
    start = performance.now();
    KvStore.mount(full);
    mountMs = Math.min(mountMs, performance.now() - start);
  }

  // Lifetime: erases per settings write, measured, against 10,000 cycles per sector.
  const life = new SimFlash(geometry);
  const store = KvStore.mount(life);
  const settings = (i: number) => new Map<string, string | number | boolean>([["power", true], ["mode", "cool"], ["target", 20 + (i % 20) / 2], ["fan", "auto"], ["swing", false]]);
  const lifeWrites = 50_000;
  for (let i = 0; i < lifeWrites; i++) store.setCbor("aircon/settings", settings(i));
  const erasesPerWrite = [...life.eraseCounts].reduce((a, b) => a + b, 0) / lifeWrites;
  const sectors = KV_BYTES / geometry.sectorBytes;
  const lifetimeDays = (sectors * 10_000) / (erasesPerWrite * AIRCON_CHANGES_PER_DAY);

  // A board's --flash file: 16-byte programs, each written in place and synced before it returns,
  // beside the same programs on the in-memory flash, in the same run.
  const programs = (flash: SimFlash, ms: number): number => {
    const unit = new Uint8Array(16).fill(0x5a);
    let offset = 0;
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      if (offset % flash.sectorBytes === 0) flash.erase(offset / flash.sectorBytes);
      flash.program(offset, unit);
      offset = (offset + 16) % flash.sizeBytes;
      n++;
    }
    return (n * 1000) / (performance.now() - start);
  };
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const file = FlashFile.open(join(dir, "board.flash"), geometry);
  const fileOps = programs(file.flash, 2000);
  file.close();
  rmSync(dir, { recursive: true, force: true });
  const memoryOps = programs(new SimFlash(geometry), 500);

  report(
    "storage",
    {
      flash_file_ops_per_s: Math.round(fileOps),
      flash_memory_ops_per_s: Math.round(memoryOps),
      flash_file_vs_memory: Number((fileOps / memoryOps).toPrecision(3)),
      kv_writes_per_s: Math.round((writes / writeMs) * 1000),
      kv_reads_per_s: Math.round((writes / readMs) * 1000),
      mount_ms_1000_keys: Number(mountMs.toFixed(2)),
      write_amplification: Number(amplification.toFixed(3)),
      lifetime_years: Math.round(lifetimeDays / 365),
    },
    {
      write_amplification: "bytes programmed (records, headers, GC) / key+value bytes, 8-byte values; goal <= 3",
      lifetime_years: `aircon settings saved ${AIRCON_CHANGES_PER_DAY} times a day, 10,000 cycles; goal >= 10`,
      mount_ms_1000_keys: "128 KiB partition, every sector in use",
      flash_file_ops_per_s: "16-byte programs (an erase every 256) on a --flash file, each synced (fdatasync) before it returns",
      flash_file_vs_memory: "flash_file_ops_per_s / flash_memory_ops_per_s, same run",
    },
  );
}
