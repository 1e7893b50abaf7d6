import "../../sdk/matter/node/configure.js";
import { Crypto, Entropy, Environment, Filesystem, MemoryStorageDriver, Network, Seconds, ServerNode, StorageService, WalStorageDriver } from "@matter/main";
import { NodeJsFilesystem } from "@matter/nodejs";
import type { ClientNode } from "@matter/main";
import { app as aircon } from "../../examples/aircon/app.js";
import { airconMatter } from "../../examples/aircon/matter.js";
import { app as fridge } from "../../examples/fridge/app.js";
import { fridgeMatter } from "../../examples/fridge/matter.js";
import { app as vacuum } from "../../examples/vacuum/app.js";
import { vacuumMatter } from "../../examples/vacuum/matter.js";
import { app as washer } from "../../examples/washer/app.js";
import { washerMatter } from "../../examples/washer/matter.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import type { MatterBinding } from "../../sdk/matter/mapping.js";
import { MatterBridge } from "../../sdk/matter/node/bridge.js";
import { NetworkSimulator } from "../../sdk/matter/node/environment.js";
import type { ModelSpec } from "../../sdk/thing/model.js";

export const APPS = { aircon, washer, fridge, vacuum } as unknown as Record<string, ApplianceApp<ModelSpec>>;
export const BINDINGS = [airconMatter, washerMatter, fridgeMatter, vacuumMatter] as unknown as MatterBinding[];
const EPOCH = Date.UTC(2026, 11, 1);

/**
 * Simulated appliances (the simulator's boards, in virtual time driven
 * faster than real time), their cloud on an in-memory broker, a Matter
 * bridge for them, and a controller on matter.js's simulated network.
 */
export async function matterSite(o: { appliances: readonly { app: string; id: string }[]; speedup?: number; storageDir?: string; controllerDir?: string; beforeBridge?: () => number }) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const boards = new Map<string, HostEngineBoard<ModelSpec>>();
  o.appliances.forEach(({ app, id }, i) => {
    const a = APPS[app];
    if (a === undefined) throw new Error(`no app ${app}`);
    const board = new HostEngineBoard(a, { clock, seed: i + 1 });
    board.connect(() => broker.transport(id), id);
    boards.set(id, board);
  });
  const cloud = new Cloud(broker.transport("cloud"), BINDINGS.map((b) => b.model), () => EPOCH + clock.now());
  await cloud.start();
  for (const { app, id } of o.appliances) {
    const binding = BINDINGS.find((b) => b.model.id === APPS[app]?.model.id);
    if (binding !== undefined) cloud.device(id, binding.model);
  }
  // Virtual time runs 100 ms every `speedup`-th of that in real time, so devices answer while matter.js runs in real time.
  const step = 100;
  const pump = setInterval(() => clock.runFor(step), Math.max(1, Math.round(step / (o.speedup ?? 20))));
  const until = async (done: () => boolean, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(() => cloud.list().every((d) => d.online && Object.keys(d.reported).length > 0));
  const rssBeforeBridge = o.beforeBridge?.();
  const simulator = new NetworkSimulator();
  const startBridge = () => MatterBridge.start({ cloud, bindings: BINDINGS, network: { kind: "simulated", simulator, host: 1 }, ...(o.storageDir === undefined ? {} : { storageDir: o.storageDir }) });
  let bridge = await startBridge();
  const startController = async () => {
    const node = await ServerNode.create({ id: "controller", environment: controllerEnvironment(simulator, o.controllerDir), commissioning: { enabled: false } });
    await node.start();
    return node;
  };
  let controller = await startController();
  /** Closes the controller and starts it again from its storage: its sessions are new, its fabric is the one kept. */
  const restartController = async (): Promise<ServerNode> => {
    await controller.close();
    controller = await startController();
    return controller;
  };
  const commission = async (): Promise<ClientNode> => {
    const { passcode, discriminator } = bridge.pairing;
    return controller.peers.commission({ passcode, discriminator, timeout: Seconds(60) });
  };
  /** Closes the bridge and starts it again from its storage (the same host on the simulated network). */
  const restartBridge = async (): Promise<MatterBridge> => {
    await bridge.close();
    bridge = await startBridge();
    return bridge;
  };
  const close = async (): Promise<void> => {
    clearInterval(pump);
    await controller.close();
    await bridge.close();
    await cloud.stop();
  };
  return { rssBeforeBridge, clock, broker, boards, cloud, get bridge() { return bridge; }, get controller() { return controller; }, restartController, simulator, commission, restartBridge, until, close };
}

/** The controller's environment, from matter.js's API alone: its own memory storage, host 2 of the simulated network. */
function controllerEnvironment(simulator: NetworkSimulator, dir?: string): Environment {
  const env = new Environment("controller");
  env.set(Crypto, Environment.default.get(Crypto));
  env.set(Entropy, Environment.default.get(Entropy));
  env.set(Network, simulator.addHost(2));
  const storage = new StorageService(env);
  if (dir === undefined) {
    storage.registerDriver(MemoryStorageDriver);
    storage.defaultDriver = "memory";
  } else {
    env.set(Filesystem, new NodeJsFilesystem(dir));
    storage.registerDriver(WalStorageDriver);
    storage.defaultDriver = WalStorageDriver.id;
  }
  return env;
}
