import "./configure.js";
import { Crypto, Entropy, Environment, Filesystem, MemoryStorageDriver, Network, NetworkSimulator, StorageService, WalStorageDriver } from "@matter/main";
import { NodeJsFilesystem } from "@matter/nodejs";

/** Where a Matter node talks: the host's network (real controllers), or matter.js's in-process simulator (tests, benchmarks). */
export type MatterNetwork = { kind: "host" } | { kind: "simulated"; simulator: NetworkSimulator; host: number };

export { NetworkSimulator };

/**
 * A matter.js environment for one node: its own storage (a directory, kept
 * across restarts, or memory), and either the host's network and mDNS or a
 * host on a simulated network. A simulated node gets an environment of its
 * own, not a child of the default one, so it cannot reach the host's mDNS.
 */
export function matterEnvironment(id: string, network: MatterNetwork, storageDir?: string): Environment {
  const parent = Environment.default;
  const env = network.kind === "host" ? new Environment(id, parent) : new Environment(id);
  if (network.kind === "simulated") {
    env.set(Crypto, parent.get(Crypto));
    env.set(Entropy, parent.get(Entropy));
    env.set(Network, network.simulator.addHost(network.host));
  }
  const storage = new StorageService(env);
  if (storageDir === undefined) {
    storage.registerDriver(MemoryStorageDriver);
    storage.defaultDriver = "memory";
  } else {
    env.set(Filesystem, new NodeJsFilesystem(storageDir));
    storage.registerDriver(WalStorageDriver);
    storage.defaultDriver = WalStorageDriver.id;
  }
  return env;
}
