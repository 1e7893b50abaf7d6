import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.js";
import { report } from "./table.js";

/**
 * N air conditioners in one process against Mosquitto on loopback, each
 * reporting every 10 s, beside N bare idle MQTT.js clients, measured in
 * processes of their own in the same run. N from HEARTH_FLEET_N (default 10,000).
 */
export async function fleetBench(): Promise<void> {
  const n = Number(process.env["HEARTH_FLEET_N"] ?? 10_000);
  const broker = await benchBroker();
  const child = fileURLToPath(new URL("./fleet-child.js", import.meta.url));
  const run = (kind: string): Record<string, unknown> => {
    const out = execFileSync(process.execPath, ["--max-old-space-size=8192", "--expose-gc", child, kind, String(n), broker.url], { encoding: "utf8", maxBuffer: 1 << 24, timeout: 900_000 });
    return JSON.parse(out.trim().split("\n").at(-1) as string) as Record<string, unknown>;
  };
  try {
    const raw = run("raw") as { connected: number; rssPerClientKib: number; livePerClientKib: number };
    const fleet = run("fleet") as { summary: { online: number; connectPerS: number; reportsMade: number; reportsReceived: number }; rssPerDeviceKib: number; livePerDeviceKib: number; cpuCoresPer1k: number };
    report(
      "fleet",
      {
        devices: fleet.summary.online,
        rss_per_device_kib: Number(fleet.rssPerDeviceKib.toFixed(1)),
        raw_client_rss_kib: Number(raw.rssPerClientKib.toFixed(1)),
        device_over_raw_client: Number((fleet.rssPerDeviceKib / raw.rssPerClientKib).toFixed(2)),
        live_per_device_kib: Number(fleet.livePerDeviceKib.toFixed(1)),
        live_per_raw_client_kib: Number(raw.livePerClientKib.toFixed(1)),
        live_ratio: Number((fleet.livePerDeviceKib / raw.livePerClientKib).toFixed(2)),
        connect_per_s: fleet.summary.connectPerS,
        cpu_per_1k_devices: Number(fleet.cpuCoresPer1k.toFixed(3)),
        reports_made: fleet.summary.reportsMade,
        reports_received: fleet.summary.reportsReceived,
      },
      {
        devices: `air conditioners online through ${broker.name}, each reporting every 10 s, at 1x`,
        rss_per_device_kib: "process RSS growth per device, 20 s after all were online",
        raw_client_rss_kib: `${raw.connected} bare idle MQTT.js clients, in a process of their own`,
        device_over_raw_client: "goal <= 1.5",
        live_per_device_kib: "JS heap and buffers live after a full GC, per device (what RSS would settle to)",
        live_per_raw_client_kib: "the same for a bare idle MQTT.js client",
        live_ratio: "live_per_device_kib / live_per_raw_client_kib",
        connect_per_s: "started at 500 a second",
        cpu_per_1k_devices: "CPU cores busy per 1,000 devices at 1x (user + system)",
      },
    );
  } finally {
    await broker.stop();
  }
}
