import { PostgresStore } from "../../../cloud/store/node/postgres.js";
import { startCloudService } from "../../../cloud/node/service.js";
import type { ApiClient } from "../../../cloud/node/http-api.js";
import type { AnyModel } from "../../../thing/model.js";
import { MqttTransport } from "../mqtt/transport.js";
import { brokerOption, durationOption, fileOption, intOption, UsageError } from "./options.js";

export interface CloudServeArgs {
  broker?: string | undefined;
  store?: string | undefined;
  tokens?: string | undefined;
  "http-port"?: string | undefined;
  group?: string | undefined;
  retention?: string | undefined;
  "cloud-user"?: string | undefined;
  "cloud-password"?: string | undefined;
}

/**
 * `hearth cloud serve`: one instance of the cloud tier (sdk/cloud/node/service.ts)
 * on an outside broker and a PostgreSQL store, with its own broker login and
 * the HTTP API. Runs until SIGINT or SIGTERM. Node-only.
 */
export async function cloudServe(models: readonly AnyModel[], values: CloudServeArgs): Promise<number> {
  if (values.broker === undefined) throw new UsageError("hearth cloud serve needs --broker mqtt[s]://HOST:PORT (a broker with shared subscriptions: Mosquitto, EMQX, HiveMQ)");
  const broker = brokerOption(values.broker);
  const storeUrl = values.store ?? process.env["HEARTH_STORE_URL"];
  if (storeUrl === undefined) throw new UsageError("hearth cloud serve needs --store postgres://USER:PASSWORD@HOST:PORT/DB (or HEARTH_STORE_URL)");
  if (!/^postgres(ql)?:\/\//.test(storeUrl)) throw new UsageError(`--store must be a postgres:// URL, got ${JSON.stringify(storeUrl.replace(/:[^:@/]*@/, ":...@"))}`);
  if (values.tokens === undefined) throw new UsageError('hearth cloud serve needs --tokens FILE: JSON {"clients":[{"name","token"}]} (the HTTP API admits only its clients)');
  const clients = apiClients(values.tokens);
  const port = intOption("http-port", values["http-port"] ?? "8081", 0, 65535);
  const group = values.group ?? "hearth";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(group)) throw new UsageError(`--group must be 1..64 of A-Z a-z 0-9 _ -, got ${JSON.stringify(group)}`);
  const retentionMs = durationOption(values.retention ?? "30d", "retention");
  const user = values["cloud-user"];
  const store = await PostgresStore.open({ url: storeUrl }).catch((error: Error) => {
    throw new UsageError(`--store: ${error.message}`);
  });
  // The client id is the login (a broker that enforces it, as hearth broker config's does, would anyway).
  const clientId = user ?? `hearth-cloud-${process.pid}`;
  const transport = new MqttTransport({
    url: broker,
    clientId,
    ...(user === undefined ? {} : { username: user, password: values["cloud-password"] ?? "" }),
    extra: { protocolVersion: 5 },
  });
  const service = await startCloudService({ transport, store, models, clients, group, port, retentionMs });
  console.log(`hearth cloud: ${clientId} in group ${group}, API on ${service.url} (${clients.length} client${clients.length === 1 ? "" : "s"}), serving ${models.map((m) => m.id).join(", ")}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await service.close();
  return 0;
}

function apiClients(path: string): ApiClient[] {
  let parsed: { clients?: unknown };
  try {
    parsed = JSON.parse(fileOption("--tokens", path).toString("utf8")) as typeof parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--tokens ${path} is not JSON: ${(error as Error).message}`);
  }
  const list = parsed?.clients;
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`--tokens ${path}: no "clients" list, or an empty one`);
  return list.map((c: { name?: unknown; token?: unknown }, i) => {
    if (typeof c?.name !== "string" || typeof c.token !== "string") throw new UsageError(`--tokens ${path}: clients[${i}] needs "name" and "token" (text)`);
    if (c.token.length < 16) throw new UsageError(`--tokens ${path}: clients[${i}] (${c.name}): a token must be at least 16 characters`);
    return { name: c.name, token: c.token };
  });
}
