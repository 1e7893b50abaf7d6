import "../../sdk/matter/node/configure.js";
import type { ClientNode, Endpoint } from "@matter/main";
import { Read } from "@matter/main/protocol";
import { matterSite } from "../support/matter-site.js";
import { report } from "./table.js";

/**
 * The Matter bridge on matter.js's simulated network, driven by a matter.js
 * controller: commissioning a bridge of the four appliances, a setpoint
 * written through Matter until the subscriber sees the device's report, and
 * a bridge of one fleet's appliances (100) that commissions and answers a
 * read of every endpoint, with the RSS it costs per appliance.
 */
const FLEET = 100;
const WRITES = 20;

const bridgedEndpoints = (peer: ClientNode): Endpoint[] => [...peer.endpoints].filter((e) => e.maybeStateOf("bridgedDeviceBasicInformation") !== undefined);

/** A full-wildcard read: the endpoints that answered with attribute values, and how many values. */
async function readAll(peer: ClientNode): Promise<{ endpoints: Set<number>; values: number }> {
  const endpoints = new Set<number>();
  let values = 0;
  // includeKnownVersions: no data-version filters from the controller's cache, so every endpoint answers in full.
  const request = { ...Read(Read.Attribute()), includeKnownVersions: true };
  for await (const chunk of peer.interaction.read(request)) {
    for await (const r of chunk) {
      if (r.kind !== "attr-value") continue;
      endpoints.add(r.path.endpointId);
      values++;
    }
  }
  return { endpoints, values };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] as number;

async function fourAppliances(): Promise<Record<string, number>> {
  const site = await matterSite({ appliances: [{ app: "aircon", id: "ac-1" }, { app: "washer", id: "wm-1" }, { app: "fridge", id: "fr-1" }, { app: "vacuum", id: "rv-1" }] });
  try {
    const start = performance.now();
    const peer = await site.commission();
    await site.until(() => bridgedEndpoints(peer).length === 4);
    const commissionMs = performance.now() - start;
    const ac = bridgedEndpoints(peer).find((e) => (e.stateOf("bridgedDeviceBasicInformation") as { serialNumber: string }).serialNumber === "ac-1") as Endpoint;
    const heating = (): unknown => (ac.stateOf("thermostat") as Record<string, unknown>)["occupiedHeatingSetpoint"];
    const samples: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const centi = i % 2 === 0 ? 2200 : 2350;
      const t0 = performance.now();
      await ac.setStateOf("thermostat", { occupiedCoolingSetpoint: centi });
      // Only the device's report moves the heating setpoint (one target serves both): the report reached the subscriber.
      await site.until(() => heating() === centi, 10_000);
      samples.push(performance.now() - t0);
    }
    return { commission_ms: Math.round(commissionMs), matter_write_to_report_ms: Math.round(median(samples)), matter_write_to_report_p95_ms: Math.round(p95(samples)) };
  } finally {
    await site.close();
  }
}

async function fleet(): Promise<Record<string, number>> {
  const apps = ["aircon", "washer", "fridge", "vacuum"];
  const appliances = Array.from({ length: FLEET }, (_, i) => ({ app: apps[i % 4] as string, id: `a-${i}` }));
  global.gc?.();
  const site = await matterSite({ appliances, speedup: 5, beforeBridge: () => process.memoryUsage().rss });
  try {
    const rssBefore = site.rssBeforeBridge ?? process.memoryUsage().rss;
    const start = performance.now();
    const peer = await site.commission();
    await site.until(() => bridgedEndpoints(peer).length === FLEET, 120_000);
    const commissionMs = performance.now() - start;
    const t0 = performance.now();
    const { endpoints, values } = await readAll(peer);
    const readMs = performance.now() - t0;
    const answered = bridgedEndpoints(peer).filter((e) => endpoints.has(e.number as number)).length;
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    return {
      bridged_devices: answered,
      bridged_commission_ms: Math.round(commissionMs),
      bridged_read_all_ms: Math.round(readMs),
      bridged_read_all_values: values,
      rss_per_bridged_appliance_kb: Math.round((rssAfter - rssBefore) / 1024 / FLEET),
    };
  } finally {
    await site.close();
  }
}

export async function matterBench(): Promise<void> {
  const four = await fourAppliances();
  const many = await fleet();
  report("matter", { ...four, ...many }, {
    commission_ms: "controller to a bridge of the four appliances, simulated network, until it sees all four",
    matter_write_to_report_ms: `median of ${WRITES}: setpoint written until the device's report reaches the subscriber`,
    bridged_devices: `of ${FLEET} bridged (goal >= 100): endpoints that answered a full-wildcard read`,
    rss_per_bridged_appliance_kb: "the bridge's and the controller's RSS growth over the boards', per appliance",
  });
}
