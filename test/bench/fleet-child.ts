import mqtt from "mqtt";
import { app } from "../../examples/aircon/app.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { runFleet } from "../../sdk/desk/node/host/fleet.js";

/**
 * One measurement of the fleet benchmark, in a process of its own so its
 * memory and CPU are its own: `fleet N URL` (N air conditioners in this
 * thread), `raw N URL` (N bare idle MQTT.js clients), `rawpub N URL PERIOD_MS`
 * (N bare MQTT.js clients, each publishing a report-sized QoS 1 message every
 * PERIOD_MS). Prints one JSON line.
 */
const [kind, countText, url, periodText] = process.argv.slice(2);
const count = Number(countText);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssKib = (): number => process.memoryUsage().rss / 1024;
/** What is live after a full collection (the child runs with --expose-gc): JS heap and buffers. */
const liveKib = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1024;
};
const cpuS = (since?: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};
const base = rssKib();
const liveBase = liveKib();
/** How long the steady window lasts, real ms. */
const WINDOW_MS = 20_000;

if (kind === "raw" || kind === "rawpub") {
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < count; i++) {
    clients.push(mqtt.connect(url as string, { clientId: `raw-${process.pid}-${i}`, reconnectPeriod: 0 }));
    if (i % 500 === 499) await sleep(250);
  }
  const end = Date.now() + 120_000;
  while (clients.some((c) => !c.connected) && Date.now() < end) await sleep(100);
  const timers: NodeJS.Timeout[] = [];
  let published = 0;
  if (kind === "rawpub") {
    // Each client publishes as a device reports: a 40-byte frame at QoS 1, every PERIOD_MS, spread over the period.
    const period = Number(periodText);
    const payload = Buffer.alloc(40, 7);
    clients.forEach((c, i) => {
      setTimeout(() => timers.push(setInterval(() => (c.publish(`h/raw-${i}/u`, payload, { qos: 1 }), published++), period)), (i / count) * period);
    });
    await sleep(period + 1000);
  } else await sleep(5_000);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const publishedAtStart = published;
  await sleep(WINDOW_MS);
  const cores = cpuS(cpu) / ((performance.now() - start) / 1000);
  const rate = (published - publishedAtStart) / ((performance.now() - start) / 1000);
  const rss = rssKib();
  const live = liveKib();
  console.log(JSON.stringify({ connected: clients.filter((c) => c.connected).length, rssPerClientKib: (rss - base) / count, livePerClientKib: (live - liveBase) / count, cpuCoresPer1k: cores / (count / 1000), publishesPerS: rate }));
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.end(true);
} else {
  let steadyAt: number | undefined;
  let cpuAt: NodeJS.CpuUsage | undefined;
  let reportsAt = 0;
  let sample: { rss: number; cpuS: number; wallS: number; live: number; reportsPerS: number } | undefined;
  const summary = await runFleet({
    app: app as unknown as ApplianceApp<ModelSpec>,
    count,
    brokerUrl: url as string,
    speed: 1,
    seed: 3,
    connectPerS: 500,
    durationMs: 45_000,
    reportEveryMs: 10_000,
    idPrefix: `bench${process.pid}`,
    patienceMs: 300_000,
    onProgress: (p) => {
      if (p.online < count) return;
      if (steadyAt === undefined) {
        steadyAt = performance.now();
        cpuAt = process.cpuUsage();
        reportsAt = p.reports;
      } else if (sample === undefined && performance.now() - steadyAt >= WINDOW_MS) {
        const wallS = (performance.now() - steadyAt) / 1000;
        sample = { rss: rssKib(), cpuS: cpuS(cpuAt), wallS, live: liveKib(), reportsPerS: (p.reports - reportsAt) / wallS };
      }
    },
  });
  console.log(
    JSON.stringify({
      summary,
      rssPerDeviceKib: sample === undefined ? undefined : (sample.rss - base) / count,
      livePerDeviceKib: sample === undefined ? undefined : (sample.live - liveBase) / count,
      cpuCoresPer1k: sample === undefined ? undefined : sample.cpuS / sample.wallS / (count / 1000),
      reportsPerS: sample?.reportsPerS,
    }),
  );
}
process.exit(0);
