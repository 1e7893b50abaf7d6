import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { runFleet, type FleetOptions } from "../../sdk/desk/node/host/fleet.js";
import { shardRange } from "../../sdk/desk/node/host/fleet-slices.js";
import { mergeSummaries, type FleetSummary } from "../../sdk/desk/node/host/fleet-summary.js";
import { embeddedBroker, outsideBroker, uniqueId, type TestBroker } from "../support/brokers.js";
import { hearth } from "../support/hearth-cli.js";

const aircon = app as unknown as ApplianceApp<ModelSpec>;

/** Every device id that publishes an uplink, heard by a client of the test's own on the broker. */
async function watchUplinks(url: string, prefix: string): Promise<{ ids: Set<string>; stop(): Promise<void> }> {
  const ids = new Set<string>();
  const client = await mqtt.connectAsync(url, { clientId: uniqueId("watch"), reconnectPeriod: 0 });
  client.on("message", (topic) => {
    const id = /^h\/([^/]+)\/u$/.exec(topic)?.[1];
    if (id?.startsWith(`${prefix}-`) === true) ids.add(id);
  });
  await client.subscribeAsync("h/+/u", { qos: 0 });
  return { ids, stop: () => client.endAsync(true) };
}

function fleetTests(broker: TestBroker): void {
  describe(`fleets through ${broker.name}`, () => {
    it("200 air conditioners: all connect, all report, and the summary's counts are what the cloud side received", async () => {
      await broker.start();
      try {
        const summary = await runFleet({ app: aircon, count: 200, brokerUrl: broker.url(), speed: 10, seed: 5, connectPerS: 400, durationMs: 60_000, idPrefix: uniqueId("fleet") });
        expect(summary.online).toBe(200);
        expect(summary.reportsReceived).toBe(summary.reportsMade);
        expect(summary.reportsMade).toBeGreaterThanOrEqual(200 * (60_000 / 10_000)); // a full report every 10 s, at least
        expect(summary.sets.sent).toBe(200);
        expect(summary.sets.answered).toBe(200);
        expect(summary.sets.latency.count).toBe(200);
        expect(summary.errors).toEqual({ refused: 0, malformed: 0, failedSets: 0 });
        expect(summary.connectPerS).toBeGreaterThan(0);
      } finally {
        await broker.stop();
      }
    }, 120_000);

    it("a device that restarts mid-run: the reports of its first boot still count as made (received == made)", async () => {
      await broker.start();
      // The air conditioner, restarting once 20 s (simulated) into its first boot, as a watchdog would under a starved CPU.
      const restarting: ApplianceApp<ModelSpec> = {
        ...aircon,
        firmware: (ctx) => {
          aircon.firmware(ctx);
          if (ctx.boot.count === 1) ctx.kernel.after(20_000, () => ctx.chip.restart());
        },
      };
      try {
        const summary = await runFleet({ app: restarting, count: 20, brokerUrl: broker.url(), speed: 20, seed: 2, connectPerS: 400, durationMs: 60_000, idPrefix: uniqueId("reboot") });
        expect(summary.online).toBe(20);
        expect(summary.reportsMade).toBeGreaterThanOrEqual(20 * 6);
        expect(summary.reportsReceived).toBe(summary.reportsMade);
      } finally {
        await broker.stop();
      }
    }, 120_000);

    it("one fleet from 1 shard and from 3 shards on one broker: the same device ids, the same totals, nothing overlapping", async () => {
      await broker.start();
      const prefix = uniqueId("shard");
      const base: FleetOptions = { app: aircon, count: 60, brokerUrl: broker.url(), speed: 20, seed: 9, connectPerS: 600, durationMs: 30_000, idPrefix: prefix };
      try {
        const run = async (shards: number): Promise<{ summary: FleetSummary; ids: Set<string> }> => {
          const watch = await watchUplinks(broker.url(), prefix);
          try {
            const parts = await Promise.all(Array.from({ length: shards }, (_, i) => runFleet({ ...base, range: shardRange(60, i, shards) })));
            return { summary: mergeSummaries(parts), ids: watch.ids };
          } finally {
            await watch.stop();
          }
        };
        const one = await run(1);
        const three = await run(3);
        expect(one.ids.size).toBe(60);
        expect([...three.ids].sort()).toEqual([...one.ids].sort());
        expect(three.summary.slices).toBe(3);
        for (const { summary } of [one, three]) {
          expect(summary.ranges).toEqual([{ from: 0, to: 60 }]);
          expect(summary.devices).toBe(60);
          expect(summary.online).toBe(60);
          expect(summary.reportsReceived).toBe(summary.reportsMade);
          expect(summary.errors).toEqual({ refused: 0, malformed: 0, failedSets: 0 });
          expect(summary.sets.answered).toBe(summary.sets.sent);
        }
        // Each device's user is drawn from its own index: the same sets, however the fleet is cut.
        expect(three.summary.sets.sent).toBe(one.summary.sets.sent);
      } finally {
        await broker.stop();
      }
    }, 120_000);
  });
}

fleetTests(embeddedBroker());
const outside = outsideBroker();
if (outside !== undefined) fleetTests(outside);

describe("hearth fleet --shard, --workers and merge", () => {
  it("three shard processes of two workers each write summaries that merge into one fleet; a shard given twice is refused; a stopped fleet sums up", async () => {
    const broker = embeddedBroker();
    await broker.start();
    const dir = mkdtempSync(join(tmpdir(), "hearth-shards-"));
    const prefixArgs = ["--count", "30", "--broker", broker.url(), "--speed", "20", "--duration", "20s", "--rate", "300", "--workers", "2", "--seed", "4"];
    try {
      const runs = await Promise.all([0, 1, 2].map((i) => hearth(["fleet", "aircon", ...prefixArgs, "--shard", `${i}/3`, "--summary", join(dir, `s${i}.json`), "--json"])));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const parts = [0, 1, 2].map((i) => JSON.parse(readFileSync(join(dir, `s${i}.json`), "utf8")) as FleetSummary);
      expect(parts.map((p) => p.ranges)).toEqual([[{ from: 0, to: 10 }], [{ from: 10, to: 20 }], [{ from: 20, to: 30 }]]);
      expect(parts.map((p) => p.slices)).toEqual([2, 2, 2]);
      const merged = await hearth(["fleet", "merge", ...[0, 1, 2].map((i) => join(dir, `s${i}.json`)), "--json"]);
      expect(merged.code, merged.stderr).toBe(0);
      const fleet = JSON.parse(merged.stdout) as FleetSummary;
      expect(fleet).toMatchObject({ devices: 30, online: 30, slices: 6, ranges: [{ from: 0, to: 30 }] });
      expect(fleet.reportsReceived).toBe(fleet.reportsMade);
      expect(fleet.sets.latency.count).toBe(parts.reduce((n, p) => n + p.sets.latency.count, 0));

      const twice = await hearth(["fleet", "merge", join(dir, "s0.json"), join(dir, "s0.json")]);
      expect(twice.code).toBe(2);
      expect(twice.stderr.trim()).toMatch(/^hearth: devices 0\.\.9 are in two summaries/);
      expect(twice.stderr.trim().split("\n")).toHaveLength(1);
      // Stopped (a bound, Ctrl-C) once devices are online: it sums up what it did, writes the summary, exits 130.
      const stopped = await hearth(["fleet", "aircon", "--count", "400", "--broker", broker.url(), "--rate", "100", "--workers", "2", "--summary", join(dir, "stopped.json")], undefined, /online [1-9]/);
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stdout).toMatch(/stopping: summing up/);
      const partial = JSON.parse(readFileSync(join(dir, "stopped.json"), "utf8")) as FleetSummary;
      expect(partial).toMatchObject({ devices: 400, stopped: true });
      expect(partial.online).toBeGreaterThan(0);
      expect(partial.online).toBeLessThan(400);
      expect(partial.reportsReceived).toBe(partial.reportsMade);
      const bad = await hearth(["fleet", "aircon", "--count", "30", "--shard", "3/3", "--broker", broker.url()]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--shard must be i\/n/);
    } finally {
      await broker.stop();
    }
  }, 120_000);
});
