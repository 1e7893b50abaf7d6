import { readFileSync } from "node:fs";
import { encodeMessage, seqOf } from "../../sdk/protocol/envelope.js";
import { topics } from "../../sdk/protocol/transport.js";
import mqtt from "mqtt";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { PostgresStore } from "../../sdk/cloud/store/node/postgres.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { spawnInstance, stopInstance, tokenFile } from "../support/cloud-instance.js";
import { counterModel } from "../support/counter-app.js";
import { audit, FakeFleet } from "../support/fake-fleet.js";
import { freshDatabase, ownCluster } from "../support/postgres.js";
import { benchBroker } from "./broker.js";
import { report } from "./table.js";

const model = counterModel as unknown as AnyModel;
const DEVICES = 1000;
const ROUNDS = 10;
const WARM_UP_ROUNDS = 2;

/** CPU time (user + system) a process has used, ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function fleetOf(url: string, prefix: string, helloAcked = true): Promise<FakeFleet> {
  // Resends far off: every message is sent once, so both runs move the same messages.
  const fleet = new FakeFleet(url, model, { devices: DEVICES, connections: 10, prefix, resendMs: 120_000 });
  await fleet.start();
  if (helloAcked) await fleet.waitUntilAcked(60_000);
  return fleet;
}

/** Sends `rounds` reports from every device, a round at a time with a breath between (so the broker never drops). */
async function pour(fleet: FakeFleet, round0: number, rounds = ROUNDS): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    for (const id of fleet.ids) fleet.report(id, { level: (round0 + round) % 100 });
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The same messages to a bare shared subscriber: one that does nothing (the broker's and MQTT.js's
 * own cost), or one that answers each at once with an ack frame, as the cloud does after its commit
 * (twice the messages through the broker, the fleet hearing each answer): what the cloud costs on top
 * of its messaging.
 */
async function rawFanIn(url: string, answer: boolean): Promise<number> {
  const sink = await mqtt.connectAsync(url, { clientId: `raw-sink-${process.pid}-${answer}`, protocolVersion: 5 });
  (sink.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  let received = 0;
  let seq = 1;
  sink.on("message", (topic, payload) => {
    received++;
    if (answer) sink.publish(topics.down(topics.deviceOf(topic) as string), Buffer.from(encodeMessage({ type: "ack", seq: seq++, ref: seqOf(payload) })), { qos: 1 });
  });
  await sink.subscribeAsync(`$share/raw${answer}/h/+/u`, { qos: 1 });
  const fleet = await fleetOf(url, `raw${answer}-${process.pid}`, answer);
  const settled = async (count: number): Promise<void> => {
    if (answer) return fleet.waitUntilAcked(120_000);
    while (received < count) await new Promise((r) => setTimeout(r, 2));
  };
  await pour(fleet, 50, WARM_UP_ROUNDS);
  await settled(DEVICES * (WARM_UP_ROUNDS + 1));
  received = 0;
  const start = performance.now();
  await pour(fleet, 0);
  await settled(DEVICES * ROUNDS);
  const seconds = (performance.now() - start) / 1000;
  await sink.endAsync();
  await fleet.stop();
  return (DEVICES * ROUNDS) / seconds;
}

/** Reports through `instances` hearth cloud serve processes on one PostgreSQL, acks after commit: reports a second, and their CPU. */
async function ingest(url: string, storeUrl: string, instances: number): Promise<{ perSecond: number; cpuPer1k: number }> {
  const tokens = tokenFile();
  const group = `bench-${process.pid}-${instances}`;
  const procs = await Promise.all(Array.from({ length: instances }, () => spawnInstance({ broker: url, store: storeUrl, tokens: tokens.path, group })));
  process.once("exit", () => procs.forEach((p) => p.process.kill("SIGKILL")));
  const fleet = await fleetOf(url, `ingest${instances}-${process.pid}`);
  // Warmed up first (its code compiled, every device met and looked up): the figure is the steady state's.
  await pour(fleet, 50, WARM_UP_ROUNDS);
  await fleet.waitUntilAcked(120_000);
  const cpu0 = procs.reduce((sum, p) => sum + cpuMs(p.process.pid as number), 0);
  const start = performance.now();
  await pour(fleet, 0);
  await fleet.waitUntilAcked(120_000);
  const seconds = (performance.now() - start) / 1000;
  const cpu = procs.reduce((sum, p) => sum + cpuMs(p.process.pid as number), 0) - cpu0;
  await fleet.stop();
  await Promise.all(procs.map((p) => stopInstance(p.process, "SIGTERM")));
  return { perSecond: (DEVICES * ROUNDS) / seconds, cpuPer1k: cpu / ((DEVICES * ROUNDS) / 1000) };
}

/** kill -9 one of two instances halfway through: acknowledged reports missing from the store, and taken twice. */
async function killOne(url: string, storeUrl: string): Promise<{ lost: number; duplicates: number; acknowledged: number }> {
  const tokens = tokenFile();
  const group = `bench-kill-${process.pid}`;
  const [a, b] = await Promise.all([spawnInstance({ broker: url, store: storeUrl, tokens: tokens.path, group }), spawnInstance({ broker: url, store: storeUrl, tokens: tokens.path, group })]);
  process.once("exit", () => [a, b].forEach((p) => p.process.kill("SIGKILL")));
  const fleet = new FakeFleet(url, model, { devices: DEVICES, connections: 10, prefix: `kill-${process.pid}`, resendMs: 2000 });
  await fleet.start();
  await fleet.waitUntilAcked(60_000);
  for (let round = 1; round <= 6; round++) {
    for (const id of fleet.ids) fleet.report(id, { level: round });
    if (round === 3) await stopInstance(a.process, "SIGKILL");
    await new Promise((r) => setTimeout(r, 100));
  }
  await fleet.waitUntilAcked(60_000);
  const result = await audit(storeUrl, fleet);
  await fleet.stop();
  await stopInstance(b.process, "SIGTERM");
  return { lost: result.missing, duplicates: result.duplicates, acknowledged: result.acknowledged };
}

/** Invoke round trips: the library on the PostgreSQL store, on the memory store, and a bare MQTT.js request/response. */
async function roundTrips(url: string, storeUrl: string, count: number): Promise<{ pg: number; memory: number; raw: number }> {
  const fleet = new FakeFleet(url, model, { devices: 1, connections: 1, prefix: `rtt-${process.pid}`, resendMs: 120_000 });
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const store = await PostgresStore.open({ url: storeUrl });
  const clouds = [
    new Cloud(new MqttTransport({ url, clientId: `rtt-pg-${process.pid}` }), [model], Date.now, { store }),
    new Cloud(new MqttTransport({ url, clientId: `rtt-mem-${process.pid}` }), [model]),
  ];
  // Each its own shared group: both see every uplink (the device's results reach both).
  await clouds[0]?.start({ uplink: `$share/rtt-pg-${process.pid}/h/+/u` });
  await clouds[1]?.start({ uplink: `$share/rtt-mem-${process.pid}/h/+/u` });
  await fleet.start();
  await fleet.waitUntilAcked(10_000);
  const id = fleet.ids[0] as string;
  const once = async (cloud: Cloud): Promise<number> => {
    const t0 = performance.now();
    await cloud.device(id, counterModel).invoke("echo", { x: 1 }, { timeoutMs: 5000 });
    return performance.now() - t0;
  };
  const responder = await mqtt.connectAsync(url, { clientId: `rtt-raw-res-${process.pid}` });
  const requester = await mqtt.connectAsync(url, { clientId: `rtt-raw-req-${process.pid}` });
  for (const c of [responder, requester]) (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  await responder.subscribeAsync("raw/req", { qos: 1 });
  await requester.subscribeAsync("raw/res", { qos: 1 });
  responder.on("message", (_t, payload) => void responder.publish("raw/res", payload, { qos: 1 }));
  const rawOnce = async (): Promise<number> => {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      requester.once("message", () => resolve());
      requester.publish("raw/req", Buffer.from([1]), { qos: 1 });
    });
    return performance.now() - t0;
  };
  const times = { pg: [] as number[], memory: [] as number[], raw: [] as number[] };
  for (let block = 0; block < count / 50 + 1; block++) {
    const keep = block > 0; // the first block warms up
    for (let i = 0; i < 50; i++) {
      const [p, m, r] = [await once(clouds[0] as Cloud), await once(clouds[1] as Cloud), await rawOnce()];
      if (keep) (times.pg.push(p), times.memory.push(m), times.raw.push(r));
    }
  }
  await responder.endAsync();
  await requester.endAsync();
  await fleet.stop();
  for (const c of clouds) await c.stop();
  await store.close();
  return { pg: median(times.pg), memory: median(times.memory), raw: median(times.raw) };
}

export async function cloudBench(): Promise<void> {
  const broker = await benchBroker("max_queued_messages 1000000\nmax_inflight_messages 0\n");
  const given = process.env["HEARTH_TEST_PG_URL"];
  const cluster = given === undefined ? ownCluster() : undefined;
  const pgUrl = given ?? (cluster?.url as string);
  const fresh = () => freshDatabase(pgUrl);
  try {
    const raw = await rawFanIn(broker.url, false);
    const rawAnswered = await rawFanIn(broker.url, true);
    const dbs = [await fresh(), await fresh(), await fresh(), await fresh()];
    const one = await ingest(broker.url, (dbs[0] as { url: string }).url, 1);
    const two = await ingest(broker.url, (dbs[1] as { url: string }).url, 2);
    const kill = await killOne(broker.url, (dbs[2] as { url: string }).url);
    const rtt = await roundTrips(broker.url, (dbs[3] as { url: string }).url, 300);
    for (const db of dbs) await db.drop();
    report(
      "cloud",
      {
        ingest_reports_per_s: Math.round(one.perSecond),
        raw_fanin_per_s: Math.round(raw),
        ingest_over_raw: Number((one.perSecond / raw).toFixed(2)),
        raw_answered_per_s: Math.round(rawAnswered),
        ingest_over_raw_answered: Number((one.perSecond / rawAnswered).toFixed(2)),
        ingest_reports_per_s_2: Math.round(two.perSecond),
        cpu_ms_per_1k_reports_1: Number(one.cpuPer1k.toFixed(1)),
        cpu_ms_per_1k_reports_2: Number(two.cpuPer1k.toFixed(1)),
        kill_acknowledged: kill.acknowledged,
        kill_lost: kill.lost,
        kill_duplicates: kill.duplicates,
        rtt_p50_ms: Number(rtt.pg.toFixed(3)),
        rtt_memory_p50_ms: Number(rtt.memory.toFixed(3)),
        raw_mqtt_rtt_p50_ms: Number(rtt.raw.toFixed(3)),
        rtt_over_raw: Number((rtt.pg / rtt.raw).toFixed(2)),
      },
      {
        ingest_reports_per_s: `${DEVICES} devices x ${ROUNDS} reports after ${WARM_UP_ROUNDS} to warm up, one hearth cloud serve on PostgreSQL, acked after commit; goal >= 10,000`,
        raw_fanin_per_s: `the same through ${broker.name} to a bare MQTT.js shared subscriber`,
        ingest_over_raw: "goal >= 0.5",
        raw_answered_per_s: "the same, the subscriber answering each with an ack frame at once (as many messages as the cloud moves)",
        ingest_over_raw_answered: "the cloud's own cost: the store, checks, acks after commit",
        ingest_reports_per_s_2: "two instances, one PostgreSQL, one shared group",
        cpu_ms_per_1k_reports_1: "the instance's CPU (user + system; PostgreSQL's not counted)",
        cpu_ms_per_1k_reports_2: "both instances' CPU together; must not grow with instances",
        kill_lost: "kill -9 of one of two, under 1,000 devices; goal 0",
        kill_duplicates: "goal 0",
        rtt_p50_ms: "invoke through the cloud library on the PostgreSQL store",
        rtt_memory_p50_ms: "the same on the in-memory store",
        rtt_over_raw: "goal <= 1.25",
      },
    );
  } finally {
    await broker.stop();
    cluster?.stop();
  }
}
