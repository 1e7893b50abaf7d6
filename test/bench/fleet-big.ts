import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mergeSummaries, type FleetSummary } from "../../sdk/desk/node/host/fleet-summary.js";
import { freePort, mosquittoBinary, OwnMosquitto } from "../support/mosquitto.js";

/** Devices per shard and per broker: under the 20,000 descriptors a process may hold here (ulimit -n, hard). */
const PER_SHARD = Number(process.env["HEARTH_FLEET_PER_SHARD"] ?? 17_000);
/** The whole run's bound, real ms. */
const BOUND_MS = 10 * 60_000;

/**
 * The big fleet: M air conditioners as `hearth fleet --shard i/S` processes
 * (the CLI as a user runs it), each against a Mosquitto of its own that this
 * configures (no connection cap; the descriptors it may hold), each device
 * from its own 127.x address. Reports every 10 s simulated for a simulated
 * minute; merges the shards' summaries; samples the processes' RSS and CPU
 * from /proc.
 */
export async function bigFleet(total: number): Promise<{ figures: Record<string, number>; notes: Record<string, string> }> {
  const binary = mosquittoBinary();
  if (binary === undefined) throw new Error("the big fleet needs Mosquitto (apt-get install mosquitto)");
  const shards = Math.ceil(total / PER_SHARD);
  const speed = Number(process.env["HEARTH_FLEET_BIG_SPEED"] ?? 0.25);
  const rate = Number(process.env["HEARTH_FLEET_BIG_RATE"] ?? 400);
  const dir = mkdtempSync(join(tmpdir(), "hearth-big-"));
  const brokers: OwnMosquitto[] = [];
  const children: ChildProcess[] = [];
  const cli = fileURLToPath(new URL("../../sdk/desk/node/cli/main.js", import.meta.url));
  const started = performance.now();
  let peakRss = 0;
  let peakBrokerRss = 0;
  const cpuTicks = new Map<number, number>();
  try {
    const urls: string[] = [];
    for (let i = 0; i < shards; i++) {
      const port = await freePort();
      const conf = join(dir, `m${i}.conf`);
      writeFileSync(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "max_connections -1", "max_queued_messages 10000", "set_tcp_nodelay true", ""].join("\n"), { mode: 0o644 });
      const broker = new OwnMosquitto(binary, conf, port);
      await broker.start();
      brokers.push(broker);
      urls.push(`mqtt://127.0.0.1:${port}`);
    }
    const exits = urls.map((url, i) => {
      const child = spawn(
        process.execPath,
        ["--max-old-space-size=6144", cli, "fleet", "aircon", "--count", String(total), "--shard", `${i}/${shards}`, "--broker", url, "--workers", "1", "--speed", String(speed), "--duration", "60s", "--rate", String(rate), "--seed", "7", "--summary", join(dir, `s${i}.json`), "--json"],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      children.push(child);
      return new Promise<number | null>((resolve) => child.once("exit", resolve));
    });
    const pids = (list: { pid?: number | undefined }[]): number[] => list.map((c) => c.pid).filter((p): p is number => p !== undefined);
    // The kernel's count of established connections to the brokers, every 5 s: the ramp seen from outside.
    const ports = urls.map((u) => new URL(u).port);
    const timeline: [number, number][] = [];
    const counter = setInterval(() => {
      const filter = ports.map((p) => `sport = :${p}`).join(" or ");
      const n = Number(execFileSync("sh", ["-c", `ss -Htn state established '( ${filter} )' | wc -l`], { encoding: "utf8" }).trim());
      timeline.push([Math.round((performance.now() - started) / 1000), n]);
      process.stderr.write(`big fleet: ${timeline.at(-1)?.[0]} s, ${n} connections\n`);
    }, 5000);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, pids(children).reduce((t, p) => t + rssKib(p), 0));
      peakBrokerRss = Math.max(peakBrokerRss, brokers.reduce((t, b) => t + rssKib(b.pid ?? 0), 0));
      for (const pid of pids(children)) cpuTicks.set(pid, Math.max(cpuTicks.get(pid) ?? 0, cpuTicksOf(pid)));
    }, 2000);
    // At the bound less a minute, each shard is told to stop and sum up (its summary says stopped);
    // at the bound, whatever is left is killed.
    const sumUp = setTimeout(() => children.forEach((c) => c.kill("SIGTERM")), BOUND_MS - 60_000);
    const bound = setTimeout(() => children.forEach((c) => c.kill("SIGKILL")), BOUND_MS);
    const codes = await Promise.all(exits);
    clearInterval(sampler);
    clearInterval(counter);
    const peakConnections = Math.max(0, ...timeline.map(([, n]) => n));
    const fullAt = timeline.find(([, n]) => n >= total)?.[0];
    clearTimeout(bound);
    clearTimeout(sumUp);
    // A shard the bound stopped wrote no summary: the merge is of those that finished, and says how many did not.
    const written = urls.map((_, i) => join(dir, `s${i}.json`)).filter((f) => existsSync(f));
    const seen = {
      big_peak_connections: peakConnections,
      big_all_connected_at_s: fullAt ?? -1,
      big_rss_per_connection_kib: Number((peakRss / Math.max(1, peakConnections)).toFixed(1)),
      big_broker_rss_per_conn_kib: Number((peakBrokerRss / Math.max(1, peakConnections)).toFixed(1)),
    };
    const seenNotes = {
      big_rss_per_connection_kib: "peak RSS of every shard process together, per peak connection",
      big_broker_rss_per_conn_kib: "peak RSS of the Mosquittos together, per peak connection",
      big_peak_connections: "established connections to the brokers, counted by the kernel (ss) every 5 s", big_all_connected_at_s: "when that count first reached every device (-1: never), from the start" };
    if (written.length === 0) return { figures: { shards, devices_total: 0, big_shards_without_summary: shards, ...seen, big_wall_s: Math.round((performance.now() - started) / 1000) }, notes: { devices_total: "no shard finished within the bound", ...seenNotes } };
    const merged: FleetSummary = mergeSummaries(written.map((f) => JSON.parse(readFileSync(f, "utf8")) as FleetSummary));
    return {
      figures: {
        shards,
        workers: merged.slices,
        devices_total: merged.online,
        reports_made: merged.reportsMade,
        reports_received: merged.reportsReceived,
        ramp_s: Number((merged.rampMs / 1000).toFixed(1)),
        big_connect_per_s: merged.connectPerS,
        big_rss_per_device_kib: Number((peakRss / total).toFixed(1)),
        big_fleet_cores: Number(([...cpuTicks.values()].reduce((t, n) => t + n, 0) / 100 / ((performance.now() - started) / 1000)).toFixed(2)),
        big_wall_s: Number(((performance.now() - started) / 1000).toFixed(0)),
        big_exit_codes_nonzero: codes.filter((c) => c !== 0).length,
        big_stopped_by_bound: merged.stopped ? 1 : 0,
        big_shards_without_summary: shards - written.length,
        ...seen,
      },
      notes: {
        shards: `hearth fleet --shard i/${shards} processes, each with a Mosquitto of its own (a process may hold 20,000 descriptors here, hard limit)`,
        devices_total: `air conditioners online of ${total}, each from its own 127.x address, reporting every 10 s simulated for a simulated minute at ${speed}x`,
        ramp_s: `from the first device starting to the last online (the slowest shard), started at ${rate} a second per shard`,
        big_rss_per_device_kib: "peak RSS of every shard process together, per device",
        ...seenNotes,
        big_fleet_cores: "CPU of the shard processes over the whole run (ramp included), in cores (of 2, shared)",
      },
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    for (const b of brokers) await b.kill();
  }
}

/** A process's resident memory, KiB (0 when gone). */
function rssKib(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A process's user + system CPU so far, in clock ticks (1/100 s). */
function cpuTicksOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  } catch {
    return 0;
  }
}
