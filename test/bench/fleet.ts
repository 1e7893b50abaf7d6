import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.js";
import { bigFleet } from "./fleet-big.js";
import { report } from "./table.js";

/**
 * N air conditioners in one thread against Mosquitto on loopback, each
 * reporting every 10 s, beside N bare MQTT.js clients (idle, then publishing
 * at the devices' rate), each measured in a process of its own in the same
 * run. N from HEARTH_FLEET_N (default 10,000; 0 skips it). With
 * HEARTH_FLEET_BIG=M, then a fleet of M over shards and brokers (fleet-big.ts).
 */
export async function fleetBench(): Promise<void> {
  const n = Number(process.env["HEARTH_FLEET_N"] ?? 10_000);
  const figures: Record<string, number> = {};
  const notes: Record<string, string> = {};
  if (n > 0) await oneThread(n, figures, notes);
  const big = Number(process.env["HEARTH_FLEET_BIG"] ?? 0);
  if (big > 0) {
    const b = await bigFleet(big);
    Object.assign(figures, b.figures);
    Object.assign(notes, b.notes);
  }
  report("fleet", figures, notes);
}

/** The one-thread fleet beside bare clients: memory and CPU ratios. */
async function oneThread(n: number, figures: Record<string, number>, notes: Record<string, string>): Promise<void> {
  const broker = await benchBroker();
  const child = fileURLToPath(new URL("./fleet-child.js", import.meta.url));
  const run = (...args: string[]): Record<string, unknown> => {
    const out = execFileSync(process.execPath, ["--max-old-space-size=8192", "--expose-gc", child, ...args], { encoding: "utf8", maxBuffer: 1 << 24, timeout: 900_000 });
    return JSON.parse(out.trim().split("\n").at(-1) as string) as Record<string, unknown>;
  };
  try {
    const raw = run("raw", String(n), broker.url) as { connected: number; rssPerClientKib: number; livePerClientKib: number };
    const fleet = run("fleet", String(n), broker.url) as { summary: { online: number; connectPerS: number; reportsMade: number; reportsReceived: number }; rssPerDeviceKib: number; livePerDeviceKib: number; cpuCoresPer1k: number; reportsPerS: number };
    // Bare clients publishing as often as the devices reported (each device's reports per second, as a period).
    const periodMs = Math.round((1000 * n) / Math.max(1, fleet.reportsPerS));
    const rawPub = run("rawpub", String(n), broker.url, String(periodMs)) as { connected: number; cpuCoresPer1k: number; publishesPerS: number };
    Object.assign(figures, {
      devices: fleet.summary.online,
      rss_per_device_kib: Number(fleet.rssPerDeviceKib.toFixed(1)),
      raw_client_rss_kib: Number(raw.rssPerClientKib.toFixed(1)),
      device_over_raw_client: Number((fleet.rssPerDeviceKib / raw.rssPerClientKib).toFixed(2)),
      live_per_device_kib: Number(fleet.livePerDeviceKib.toFixed(1)),
      live_per_raw_client_kib: Number(raw.livePerClientKib.toFixed(1)),
      live_ratio: Number((fleet.livePerDeviceKib / raw.livePerClientKib).toFixed(2)),
      connect_per_s: fleet.summary.connectPerS,
      cpu_per_1k_devices: Number(fleet.cpuCoresPer1k.toFixed(3)),
      cpu_per_1k_bare_publishing: Number(rawPub.cpuCoresPer1k.toFixed(3)),
      cpu_over_bare: Number((fleet.cpuCoresPer1k / rawPub.cpuCoresPer1k).toFixed(2)),
      reports_per_s: Number(fleet.reportsPerS.toFixed(0)),
      bare_publishes_per_s: Number(rawPub.publishesPerS.toFixed(0)),
      one_thread_reports_made: fleet.summary.reportsMade,
      one_thread_reports_received: fleet.summary.reportsReceived,
    });
    Object.assign(notes, {
      devices: `air conditioners online through ${broker.name}, one thread, each reporting every 10 s (and on change), at 1x`,
      rss_per_device_kib: "process RSS growth per device, 20 s after all were online",
      raw_client_rss_kib: `${raw.connected} bare idle MQTT.js clients, in a process of their own`,
      device_over_raw_client: "goal <= 1.5",
      live_per_device_kib: "JS heap and buffers live after a full GC, per device (what RSS would settle to)",
      live_per_raw_client_kib: "the same for a bare idle MQTT.js client",
      live_ratio: "live_per_device_kib / live_per_raw_client_kib",
      connect_per_s: "started at 500 a second",
      cpu_per_1k_devices: "CPU cores busy per 1,000 devices at 1x (user + system), the fleet's cloud watcher included",
      cpu_per_1k_bare_publishing: `${rawPub.connected} bare MQTT.js clients, each publishing a 40-byte QoS 1 message every ${periodMs} ms (the devices' rate)`,
      cpu_over_bare: "goal <= 1.5",
    });
  } finally {
    await broker.stop();
  }
}
