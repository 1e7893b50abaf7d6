import mqtt from "mqtt";
import { app } from "../../examples/aircon/app.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { runFleet } from "../../sdk/desk/node/host/fleet.js";

/**
 * One measurement of the fleet benchmark, in a process of its own so its
 * memory is its own: `fleet N URL` (N air conditioners) or `raw N URL` (N bare
 * idle MQTT.js clients). Prints one JSON line.
 */
const [kind, countText, url] = process.argv.slice(2);
const count = Number(countText);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssKib = (): number => process.memoryUsage().rss / 1024;
/** What is live after a full collection (the child runs with --expose-gc): JS heap and buffers. */
const liveKib = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1024;
};
const base = rssKib();
const liveBase = liveKib();

if (kind === "raw") {
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < count; i++) {
    clients.push(mqtt.connect(url as string, { clientId: `raw-${process.pid}-${i}`, reconnectPeriod: 0 }));
    if (i % 500 === 499) await sleep(250);
  }
  const end = Date.now() + 120_000;
  while (clients.some((c) => !c.connected) && Date.now() < end) await sleep(100);
  await sleep(5_000);
  const rss = rssKib();
  const live = liveKib();
  console.log(JSON.stringify({ connected: clients.filter((c) => c.connected).length, rssPerClientKib: (rss - base) / count, livePerClientKib: (live - liveBase) / count }));
  for (const c of clients) c.end(true);
} else {
  let steadyAt: number | undefined;
  let cpuAt: NodeJS.CpuUsage | undefined;
  let sample: { rss: number; cpuS: number; wallS: number; live: number } | undefined;
  const summary = await runFleet({
    app: app as unknown as ApplianceApp<ModelSpec>,
    count,
    brokerUrl: url as string,
    speed: 1,
    seed: 3,
    connectPerS: 500,
    durationMs: 40_000,
    reportEveryMs: 10_000,
    idPrefix: `bench${process.pid}`,
    patienceMs: 300_000,
    onProgress: (p) => {
      if (p.online < count) return;
      if (steadyAt === undefined) {
        steadyAt = performance.now();
        cpuAt = process.cpuUsage();
      } else if (sample === undefined && performance.now() - steadyAt >= 20_000) {
        const cpu = process.cpuUsage(cpuAt);
        sample = { rss: rssKib(), cpuS: (cpu.user + cpu.system) / 1e6, wallS: (performance.now() - steadyAt) / 1000, live: liveKib() };
      }
    },
  });
  console.log(JSON.stringify({ summary, rssPerDeviceKib: sample === undefined ? undefined : (sample.rss - base) / count, livePerDeviceKib: sample === undefined ? undefined : (sample.live - liveBase) / count, cpuCoresPer1k: sample === undefined ? undefined : sample.cpuS / sample.wallS / (count / 1000) }));
}
process.exit(0);
