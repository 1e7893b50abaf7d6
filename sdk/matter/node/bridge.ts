import "./configure.js";
import { randomInt } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Endpoint, Environment, Logger, LogLevel, ServerNode, VendorId } from "@matter/main";
import { AggregatorEndpoint } from "@matter/main/endpoints";
import type { Cloud } from "../../cloud/cloud.js";
import type { CloudDevice } from "../../cloud/cloud-device.js";
import { HearthError } from "../../thing/errors.js";
import type { ModelSpec } from "../../thing/model.js";
import type { MatterBinding } from "../mapping.js";
import { endpointsFor, patchFor, type Patch } from "./endpoints.js";
import { linkEndpoint } from "./link.js";
import { HearthOperationalStateServer, HearthRvcOperationalStateServer } from "./behaviors.js";
import { matterEnvironment, type MatterNetwork } from "./environment.js";

export interface MatterBridgeOptions {
  cloud: Cloud;
  /** The mappings, one per model id: a device whose model has none is not bridged. */
  bindings: readonly MatterBinding[];
  /** Where the bridge keeps its fabrics and pairing code, so a restarted bridge stays commissioned. None: memory. */
  storageDir?: string;
  /** The host's network (default) or matter.js's in-process simulator. */
  network?: MatterNetwork;
  /** UDP port on the host's network. Default 5540. */
  port?: number;
  /** How long a controller's write or command waits for the device, ms. Default 10 s. */
  timeoutMs?: number;
  vendorName?: string;
  /** matter.js's log level (default: warnings and worse). */
  logLevel?: "debug" | "info" | "notice" | "warn" | "error" | "fatal";
}

export interface Pairing {
  passcode: number;
  discriminator: number;
  manualPairingCode: string;
  qrPairingCode: string;
}

interface Bridged {
  device: CloudDevice<ModelSpec>;
  binding: MatterBinding;
  endpoint: Endpoint;
  /** The bridged endpoint and, by their patch key, its cabinets. */
  byKey: Map<string, Endpoint>;
  reachable: boolean;
  /** Reports apply one at a time, the latest state once the one before is in. */
  applying: Promise<void>;
  dirty: boolean;
  off: () => void;
}

/** Passcodes the Matter spec forbids (section 5.1.7.1). */
const INVALID_PASSCODES = new Set([0, 11111111, 22222222, 33333333, 44444444, 55555555, 66666666, 77777777, 88888888, 99999999, 12345678, 87654321]);

/**
 * A Matter bridge for the appliances a Hearth cloud knows: an Aggregator with
 * one bridged endpoint per appliance (its Matter device type, from the mapping
 * beside its model), added as devices say hello and removed when asked. A
 * controller's write or command becomes the cloud's set or invoke; the
 * device's reports become attribute changes.
 */
export class MatterBridge {
  private readonly bridged = new Map<string, Bridged>();
  private readonly bindings = new Map<string, MatterBinding>();
  private readonly offUplink: () => void;
  private closed = false;

  private constructor(
    private readonly o: MatterBridgeOptions,
    readonly node: ServerNode,
    private readonly aggregator: Endpoint,
    readonly pairing: Pairing,
  ) {
    for (const b of o.bindings) this.bindings.set(b.model.id, b);
    this.offUplink = o.cloud.onUplink((id, message) => {
      if (message.type !== "hello") return;
      const binding = this.bindings.get(message.model);
      if (binding === undefined) return;
      const device = o.cloud.device(id, binding.model);
      const entry = this.bridged.get(id);
      if (entry === undefined) void this.add(device).catch(() => undefined);
      // A hello on another revision of its model (an update): the cloud reads it with that revision now, as another CloudDevice.
      else if (entry.device !== device) this.follow(entry, device);
    });
  }

  static async start(o: MatterBridgeOptions): Promise<MatterBridge> {
    Logger.level = LogLevel[(o.logLevel ?? "warn").toUpperCase() as "WARN"];
    const pairing = passcodeFor(o.storageDir);
    const environment: Environment = matterEnvironment("hearth-bridge", o.network ?? { kind: "host" }, o.storageDir);
    const vendorName = o.vendorName ?? "Hearth";
    const node = await ServerNode.create({
      id: "hearth-bridge",
      environment,
      network: { port: o.port ?? 5540 },
      commissioning: { passcode: pairing.passcode, discriminator: pairing.discriminator },
      productDescription: { name: "Bridge", deviceType: AggregatorEndpoint.deviceType },
      basicInformation: {
        vendorName,
        vendorId: VendorId(0xfff1), // a test vendor id: Hearth has none of its own
        productName: "Appliance bridge",
        productId: 0x8000,
        nodeLabel: "Appliance bridge",
        serialNumber: "hearth-bridge",
        hardwareVersion: 1,
        softwareVersion: 1,
        softwareVersionString: "0.1.0",
      },
    });
    const aggregator = new Endpoint(AggregatorEndpoint, { id: "appliances" });
    await node.add(aggregator);
    const codes = node.state.commissioning.pairingCodes;
    const bridge = new MatterBridge(o, node, aggregator, { ...pairing, manualPairingCode: codes.manualPairingCode, qrPairingCode: codes.qrPairingCode });
    for (const device of o.cloud.list()) if (bridge.bindings.has(device.model.id)) await bridge.add(device);
    await node.start();
    return bridge;
  }

  /** Whether a controller has commissioned the bridge (it has a fabric). */
  get commissioned(): boolean {
    return this.node.state.commissioning.commissioned;
  }

  /** The appliances bridged now, by device id. */
  devices(): string[] {
    return [...this.bridged.keys()];
  }

  /** The bridged endpoint of an appliance (tests and tools). */
  endpointOf(deviceId: string): Endpoint | undefined {
    return this.bridged.get(deviceId)?.endpoint;
  }

  /** Bridges one more appliance (its model must have a mapping). */
  async add(device: CloudDevice<ModelSpec>): Promise<void> {
    if (this.bridged.has(device.id) || this.closed) return;
    const binding = this.bindings.get(device.model.id);
    if (binding === undefined) throw new HearthError("unknown-model", `no Matter mapping for ${device.model.id} (device ${device.id})`);
    const who = {
      id: device.id,
      endpointId: `d-${device.id.replace(/[^A-Za-z0-9_-]/g, "_")}`,
      vendorName: this.o.vendorName ?? "Hearth",
      productName: device.model.id,
      reachable: device.online,
    };
    const { endpoint, parts } = endpointsFor(binding, who);
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    const link = {
      binding,
      set: (values: Record<string, unknown>) => entry.device.set(values as never, { timeoutMs }),
      invoke: async (action: string) => {
        await entry.device.invoke(action as never, {} as never, { timeoutMs });
      },
      resync: () => {
        const entry = this.bridged.get(device.id);
        if (entry !== undefined) this.schedule(entry);
      },
    };
    linkEndpoint(endpoint, link);
    const byKey = new Map<string, Endpoint>([["", endpoint]]);
    parts.forEach((part, i) => {
      linkEndpoint(part, link);
      byKey.set(String(i), part);
    });
    const entry: Bridged = { device, binding, endpoint, byKey, reachable: device.online, applying: Promise.resolve(), dirty: false, off: () => undefined };
    this.bridged.set(device.id, entry);
    await this.aggregator.add(endpoint);
    this.listen(entry);
    if (Object.keys(device.reported).length > 0) this.schedule(entry);
    await entry.applying;
  }

  /** Hears the entry's device: its reports, its events, its presence. */
  private listen(entry: Bridged): void {
    const device = entry.device;
    const offReport = device.onReport(() => this.schedule(entry));
    const offEvent = device.onEvent((event) => this.forwardEvent(entry, event));
    // Reachable follows the cloud's presence event (a hello, a report, the broker's word of a lost connection).
    const offPresence = device.onPresence(() => {
      entry.applying = entry.applying.then(() => this.applyPresence(entry)).catch(() => undefined);
    });
    entry.off = () => {
      offReport();
      offEvent();
      offPresence();
    };
  }

  /** The same appliance on another revision of its model: its endpoint stays, and hears the device the cloud now holds for it. */
  private follow(entry: Bridged, device: CloudDevice<ModelSpec>): void {
    entry.off();
    entry.device = device;
    this.listen(entry);
    this.schedule(entry);
  }

  /** Stops bridging an appliance: its endpoint leaves the aggregator (controllers see it go). */
  async remove(deviceId: string): Promise<void> {
    const entry = this.bridged.get(deviceId);
    if (entry === undefined) return;
    this.bridged.delete(deviceId);
    entry.off();
    await entry.applying;
    await entry.endpoint.delete();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.offUplink();
    for (const entry of this.bridged.values()) entry.off();
    await Promise.all([...this.bridged.values()].map((e) => e.applying));
    await this.node.close();
  }

  private schedule(entry: Bridged): void {
    if (entry.dirty) return;
    entry.dirty = true;
    entry.applying = entry.applying.then(async () => {
      entry.dirty = false;
      if (this.closed || !this.bridged.has(entry.device.id)) return;
      await applyPatch(entry.byKey, patchFor(entry.binding, entry.device.reported));
      await this.applyPresence(entry);
    }).catch((error: unknown) => {
      console.error(`matter bridge: ${entry.device.id}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** A model event the mapping carries as a Matter event: the end of a program or a job is OperationCompletion. */
  private forwardEvent(entry: Bridged, event: { name: string; fields: Record<string, unknown> }): void {
    const m = entry.binding.mapping;
    if ((m.deviceType !== "LaundryWasher" && m.deviceType !== "RoboticVacuumCleaner") || m.operational.completion !== event.name) return;
    const server = m.deviceType === "LaundryWasher" ? HearthOperationalStateServer : HearthRvcOperationalStateServer;
    const minutes = typeof event.fields["minutes"] === "number" ? event.fields["minutes"] : null;
    entry.applying = entry.applying
      .then(() =>
        entry.endpoint.act((agent) => {
          const events = agent.get(server).events as unknown as { operationCompletion: { emit(payload: unknown, context: unknown): void } };
          events.operationCompletion.emit({ completionErrorCode: 0, totalOperationalTime: minutes === null ? null : minutes * 60, pausedTime: null }, agent.context);
        }),
      )
      .catch((error: unknown) => console.error(`matter bridge: ${entry.device.id}: ${error instanceof Error ? error.message : String(error)}`));
  }

  private async applyPresence(entry: Bridged): Promise<void> {
    const online = entry.device.online;
    if (entry.reachable === online || this.closed) return;
    entry.reachable = online;
    await entry.endpoint.set({ bridgedDeviceBasicInformation: { reachable: online } } as never);
  }
}

async function applyPatch(byKey: Map<string, Endpoint>, patch: Patch): Promise<void> {
  for (const [key, values] of patch) await byKey.get(key)?.set(values as never);
}

/** The pairing passcode and discriminator: random for a new bridge, kept beside its fabrics. */
function passcodeFor(storageDir: string | undefined): { passcode: number; discriminator: number } {
  const file = storageDir === undefined ? undefined : join(storageDir, "hearth-pairing.json");
  if (file !== undefined) {
    try {
      const kept = JSON.parse(readFileSync(file, "utf8")) as { passcode: number; discriminator: number };
      if (Number.isInteger(kept.passcode) && Number.isInteger(kept.discriminator)) return kept;
    } catch {
      // none kept yet: a new bridge
    }
  }
  let passcode = 0;
  while (INVALID_PASSCODES.has(passcode)) passcode = randomInt(1, 99_999_999);
  const pairing = { passcode, discriminator: randomInt(0, 4096) };
  if (storageDir !== undefined && file !== undefined) {
    mkdirSync(storageDir, { recursive: true });
    writeFileSync(file, JSON.stringify(pairing), { mode: 0o600 });
  }
  return pairing;
}
