import { Aedes, type AedesOptions } from "aedes";
import { timingSafeEqual } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { credentialProblem } from "../../../protocol/credentials.js";
import { topics } from "../../../protocol/transport.js";

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  /** Drops every client connection (the broker keeps running): a network blip for everyone. */
  dropAll(): void;
  close(): Promise<void>;
}

/** Who may connect, and to what. Without it, anyone may do anything (tests that want an open broker). */
export interface BrokerAuth {
  /** A device's secret and the issue time of its current credential (the only one accepted), or undefined for an unknown device. */
  device(id: string): { secret: Uint8Array; issuedAt: number } | undefined;
  /** Backend users (the cloud side): user name to password. They may use every topic. */
  backends: ReadonlyMap<string, string>;
  /**
   * Anonymous clients (no user name) may connect and subscribe to devices'
   * topics, read-only, to watch (mosquitto_sub). They publish nothing and may
   * not take a device's client id. Default false: anonymous clients are refused.
   */
  watchers?: boolean;
}

export interface BrokerOptions {
  port?: number;
  host?: string;
  auth?: BrokerAuth;
  /** Serve MQTT over TLS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/**
 * An MQTT broker (Aedes) in this process, on loopback, so the simulator needs
 * nothing installed. Port 0 picks a free port. With `auth`, it checks device
 * credentials (see sdk/protocol/credentials.ts) and confines each device to its
 * own two topics, as the ACL from `hearth broker config` does on Mosquitto.
 * Node-only.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? "127.0.0.1";
  // Concurrency 0: Aedes's message emitter never queues. With a queue (the default, 100) a burst of
  // publishes from a fleet drains through a recursion that overflows the stack.
  const aedes = await Aedes.createBroker({ concurrency: 0, ...(options.auth === undefined ? {} : authHooks(options.auth)) });
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket): void => {
    socket.setNoDelay(true); // small frames go now, not after the peer's delayed ACK
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    aedes.handle(socket);
  };
  const server: Server = options.tls === undefined ? createServer(onConnection) : createTlsServer(options.tls, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls === undefined ? "mqtt" : "mqtts"}://${host}:${port}`,
    port,
    dropAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        aedes.close(() => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        });
      }),
  };
}

function authHooks(auth: BrokerAuth): AedesOptions {
  // Rights belong to the connection that logged in, never to a client id: a failed login that
  // reuses a live client's id changes nothing about that client. Nothing is recorded before a
  // login succeeds.
  const backendClients = new WeakSet<object>();
  const watcherClients = new WeakSet<object>();
  const isBackend = (client: object): boolean => backendClients.has(client);
  return {
    authenticate: (client, username, password, done) => {
      if (username === undefined || username === "") {
        if (auth.watchers !== true) return done(authError("anonymous clients are refused (hearth sim --open lets them watch, read-only)"), false);
        if (auth.device(client.id) !== undefined || auth.backends.has(client.id)) return done(authError(`client id ${client.id} belongs to a device or a backend`), false);
        watcherClients.add(client);
        return done(null, true);
      }
      const user = username;
      const pass = password?.toString() ?? "";
      const backend = auth.backends.get(user);
      if (backend !== undefined) {
        if (!samePassword(backend, pass)) return done(authError("wrong password"), false);
        backendClients.add(client);
        return done(null, true);
      }
      const device = auth.device(user);
      if (device === undefined || client.id !== user) return done(authError("unknown device, or client id is not the device id"), false);
      const problem = credentialProblem(device.secret, user, pass, { issuedAt: device.issuedAt });
      if (problem !== undefined) return done(authError(problem), false);
      return done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      if (client === null || isBackend(client) || (!watcherClients.has(client) && packet.topic === topics.up(client.id))) return done(null);
      done(new Error(`${watcherClients.has(client) ? "a watcher" : `device ${client.id}`} may not publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, subscription, done) => {
      if (client === null || isBackend(client) || (!watcherClients.has(client) && subscription.topic === topics.down(client.id))) return done(null, subscription);
      if (watcherClients.has(client) && /^h\/([^/#]+|\+|#)(\/(u|d|\+|#))?$|^h\/#$/.test(subscription.topic)) return done(null, subscription);
      done(null, null); // refused: the SUBACK says failure (128); the session goes on
    },
  };
}

function samePassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function authError(message: string): Error & { returnCode: number } {
  // MQTT CONNACK 4: bad user name or password.
  return Object.assign(new Error(message), { returnCode: 4 });
}
