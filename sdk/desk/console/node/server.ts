import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Snapshot } from "../api.js";
import { PAGE_HTML } from "../page-html.js";
import type { HistoryRange } from "../history.js";
import { ConsoleError, messageOf, objectField, type ConsoleSource } from "../source.js";

export interface ConsoleOptions {
  /** What the console shows and acts on: a simulator session (sessionSource) or a cloud tier's API (cloudSource). */
  source: ConsoleSource;
  /** 127.0.0.1 port; 0 picks a free one, and a busy one falls back to a free one. */
  port: number;
  /** The command whose printed address opens the console, for the words of a 401 ("hearth sim"). */
  printedBy?: string;
}

export interface ConsoleServer {
  /** Where to open the console: its address with this run's token (`?token=`), as Jupyter's. */
  readonly url: string;
  /** This run's token: the page holds it in a cookie; a script sends it as the x-hearth-token header. */
  readonly token: string;
  close(): Promise<void>;
}

/** How often the page gets fresh state. */
const PUSH_MS = 500;
/** Samples a chart gets at first and per zoom: more than a wide screen has pixels across. */
const FIRST_POINTS = 2000;

/**
 * The web console: a page on 127.0.0.1 that shows every appliance of its
 * source (its model's panel, live properties and charts, the event log) and
 * acts on it. The source is a simulator session (sets and actions through the
 * cloud library and the broker, as a backend's would, and fault injection on
 * the simulator) or a running cloud tier's HTTP API (sets and invokes through
 * it). The HTTP API is in README.md beside this file. Node-only.
 *
 * Safe on a shared desk: it answers only requests addressed to its own
 * host and port (no DNS rebinding), takes requests that change something
 * only from its own page (Origin) as JSON, and every API request must carry
 * this run's token, which only the URL the CLI prints holds.
 */
export async function startConsole(o: ConsoleOptions): Promise<ConsoleServer> {
  const script = await bundlePage();
  const streams = new Set<ServerResponse>();
  const source = o.source;
  const printedBy = o.printedBy ?? "hearth sim";
  const offStory = source.onStory((line) => send(streams, "story", line));
  const pusher = setInterval(() => send(streams, "state", source.state()), PUSH_MS);

  const token = randomBytes(16).toString("hex");
  let port = 0;
  const cookie = () => `hearth_console_${port}`;
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => reply(res, error instanceof ConsoleError ? error.status : 500, { error: messageOf(error) }));
  });

  /** Host, Origin and token: who may ask what (see above). */
  function admit(req: IncomingMessage, url: URL): void {
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    const host = (req.headers.host ?? "").toLowerCase();
    if (!hosts.includes(host)) throw new ConsoleError(421, `the console answers only at http://127.0.0.1:${port}/, not Host ${JSON.stringify(req.headers.host ?? "")}`);
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`)) throw new ConsoleError(403, `requests from ${origin} are refused: the console takes them only from its own page`);
    if (url.pathname === "/" || url.pathname === "/console.js") return;
    const given = req.headers["x-hearth-token"] ?? cookiesOf(req).get(cookie());
    if (typeof given !== "string" || !same(given, token)) throw new ConsoleError(401, `no valid token: open the console at the address ${printedBy} printed (it carries this run's token)`);
    if (req.method === "POST" && !(req.headers["content-type"] ?? "").startsWith("application/json")) throw new ConsoleError(415, "the console takes JSON (content-type: application/json)");
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console");
    const path = url.pathname;
    admit(req, url);
    if (req.method === "GET" && path === "/") {
      const given = url.searchParams.get("token") ?? cookiesOf(req).get(cookie());
      if (given === null || given === undefined || !same(given, token)) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
        return void res.end(`This console needs this run's token: open the address ${printedBy} printed (http://127.0.0.1:PORT/?token=...).\n`);
      }
      res.setHeader("set-cookie", `${cookie()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return void page(res, "text/html; charset=utf-8", PAGE_HTML);
    }
    if (req.method === "GET" && path === "/console.js") return void page(res, "text/javascript; charset=utf-8", script);
    if (req.method === "GET" && path === "/api/appliances") {
      const snapshot: Snapshot = { ...source.state(), appliances: await source.appliances(FIRST_POINTS) };
      return reply(res, 200, snapshot);
    }
    if (req.method === "GET" && path === "/api/stream") return stream(res);
    const h = /^\/api\/appliances\/([^/]+)\/history$/.exec(path);
    if (req.method === "GET" && h !== null) {
      const id = decode(h[1] as string);
      if (!source.has(id)) throw new ConsoleError(404, `no appliance called ${JSON.stringify(id)}`);
      return reply(res, 200, { samples: await source.history.samples(id, historyRange(url.searchParams)) });
    }
    if (req.method !== "POST") throw new ConsoleError(404, `no ${req.method} ${path}`);
    const body = await readJson(req);
    if (path === "/api/broker/restart") {
      if (source.restartBroker === undefined) {
        throw new ConsoleError(409, source.info().kind === "cloud" ? "this console reads a cloud's API: it has no broker to restart" : "the session uses an outside broker: the console can restart only the embedded one");
      }
      await source.restartBroker();
      return reply(res, 200, {});
    }
    const m = /^\/api\/appliances\/([^/]+)\/(set|invoke|power|network|sensor|hand|key)$/.exec(path);
    if (m === null) throw new ConsoleError(404, `no POST ${path}`);
    const id = decode(m[1] as string);
    if (!source.has(id)) throw new ConsoleError(404, `no appliance called ${JSON.stringify(id)}`);
    return reply(res, 200, await source.act(id, m[2] as string, body));
  }

  function stream(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(`event: state\ndata: ${JSON.stringify(source.state())}\n\n`);
    streams.add(res);
    res.on("close", () => streams.delete(res));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE" || o.port === 0) return reject(error);
      server.listen(0, "127.0.0.1", resolve);
    });
    server.listen(o.port, "127.0.0.1", resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    close: async () => {
      clearInterval(pusher);
      offStory();
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookiesOf(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) out.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return out;
}

function decode(escaped: string): string {
  try {
    return decodeURIComponent(escaped);
  } catch {
    throw new ConsoleError(400, `the appliance id ${JSON.stringify(escaped)} has a bad %-escape`);
  }
}

function send(streams: Set<ServerResponse>, event: string, data: unknown): void {
  const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  for (const res of streams) res.write(frame);
}

function page(res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new ConsoleError(413, "request body over 64 KiB");
  }
  if (text === "") return {};
  try {
    return objectField(JSON.parse(text), "body");
  } catch (error) {
    throw error instanceof ConsoleError ? error : new ConsoleError(400, `body is not JSON: ${messageOf(error)}`);
  }
}

/** `from`, `to` (the source's ms: simulated, or Unix ms from a cloud) and `points` (1..5000, default FIRST_POINTS) from a history request's query. */
function historyRange(q: URLSearchParams): HistoryRange {
  const number = (name: string): number | undefined => {
    const text = q.get(name);
    if (text === null) return undefined;
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) throw new ConsoleError(400, `${name} must be a number, got ${JSON.stringify(text)}`);
    return n;
  };
  const points = number("points") ?? FIRST_POINTS;
  if (!Number.isInteger(points) || points < 1 || points > 5000) throw new ConsoleError(400, `points must be an integer 1..5000, got ${points}`);
  const from = number("from");
  const to = number("to");
  return { points, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}


/** The page's script, bundled from its TypeScript source (shipped in the package beside dist). */
async function bundlePage(): Promise<string> {
  const candidates = ["../page/main.ts", "../../../../../sdk/desk/console/page/main.ts"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const entry = candidates.find((p) => existsSync(p));
  if (entry === undefined) throw new Error(`the console's page source is missing (looked for ${candidates.join(", ")})`);
  const out = await build({ entryPoints: [entry], bundle: true, write: false, format: "esm", target: "es2022", minify: false, logLevel: "silent", loader: { ".css": "text" } });
  return (out.outputFiles[0] as { text: string }).text;
}
