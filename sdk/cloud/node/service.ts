import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AnyModel } from "../../thing/model.js";
import type { Transport } from "../../protocol/transport.js";
import { Cloud } from "../cloud.js";
import type { CloudStore } from "../store/port.js";
import { httpApi, type ApiClient } from "./http-api.js";

export interface CloudServiceOptions {
  /** This instance's own session with the broker (its own login: instances must not share one). */
  transport: Transport;
  store: CloudStore;
  models: readonly AnyModel[];
  /** The HTTP API's clients, each with its bearer token. At least one. */
  clients: readonly ApiClient[];
  /** Shared-subscription group of the tier: every instance of one fleet names the same. Default "hearth". */
  group?: string;
  /** HTTP API address. Default 127.0.0.1, port 0 (a free one). */
  host?: string;
  port?: number;
  /** How long history, events, answers and inbox entries are kept, ms. Default 30 days. */
  retentionMs?: number;
}

export interface CloudService {
  cloud: Cloud;
  /** The HTTP API's base URL. */
  url: string;
  close(): Promise<void>;
}

/**
 * One instance of the cloud tier as a process runs it: the cloud on its store
 * and its share of the devices' uplink, the HTTP API, and retention. Start as
 * many as the load needs on one store and one broker.
 */
export async function startCloudService(options: CloudServiceOptions): Promise<CloudService> {
  const cloud = new Cloud(options.transport, options.models, Date.now, { store: options.store });
  await cloud.start({ uplink: `$share/${options.group ?? "hearth"}/h/+/u` });
  const server: Server = createServer(httpApi(cloud, options.models, options.clients));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const retention = options.retentionMs ?? 30 * 86_400_000;
  // Every instance prunes; the deletes are idempotent, and an hour apart is cheap.
  const prune = setInterval(() => void options.store.prune(Date.now() - retention).catch(() => undefined), 3_600_000);
  prune.unref();
  const { address, port } = server.address() as AddressInfo;
  return {
    cloud,
    url: `http://${address}:${port}`,
    close: async () => {
      clearInterval(prune);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await cloud.stop();
      await options.store.close();
    },
  };
}
