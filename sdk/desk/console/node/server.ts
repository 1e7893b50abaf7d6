import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describeValues, labelOf, type Language } from "../../../thing/presentation.js";
import type { VirtualClock } from "../../../../os/virtual-clock.js";
import type { Cloud } from "../../../cloud/cloud.js";
import { HearthError } from "../../../thing/errors.js";
import type { SessionAppliance } from "../../sim/session-appliance.js";
import type { MatterPairing, Snapshot, StatePush, StoryLine } from "../api.js";
import { PAGE_HTML } from "../page-html.js";
import { sessionHistory, type HistoryRange, type HistorySource } from "../history.js";

export interface ConsoleOptions {
  appliances: readonly SessionAppliance[];
  /** The cloud the console speaks through: its connection is shown. */
  cloud: Cloud;
  clock: VirtualClock;
  /** 127.0.0.1 port; 0 picks a free one, and a busy one falls back to a free one. */
  port: number;
  /** Restarts the embedded broker; undefined with an outside broker (the console cannot restart that). */
  restartBroker: (() => Promise<void>) | undefined;
  /** Where the charts' history comes from: default the session's own samples; a cloud's store plugs in here. */
  history?: HistorySource;
  /** The session's Matter bridge, once it is up (hearth sim --matter): its pairing is shown on the page. */
  matter?: () => MatterPairing | undefined;
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
/** The longest power cut the console makes: a board comes back by itself within it. */
const MAX_OFF_MS = 10 * 60_000;

/**
 * The web console: a page on 127.0.0.1 that shows every simulated appliance
 * (its model's panel, live properties and charts, the event log) and acts on
 * it. It speaks to the appliances through the cloud-side library (sets and
 * actions go over the broker, as a backend's would) and to the simulator for
 * fault injection. The HTTP API is in README.md beside this file. Node-only.
 *
 * Safe on a shared desk: it answers only requests addressed to its own
 * host and port (no DNS rebinding), takes requests that change something
 * only from its own page (Origin) as JSON, and every API request must carry
 * this run's token, which only the URL the CLI prints holds.
 */
export async function startConsole(o: ConsoleOptions): Promise<ConsoleServer> {
  const script = await bundlePage();
  const streams = new Set<ServerResponse>();
  const byId = new Map(o.appliances.map((a) => [a.id, a]));
  const history = o.history ?? sessionHistory(o.appliances);
  for (const a of o.appliances) a.onStory((line) => send(streams, "story", { id: a.id, ...line } satisfies StoryLine));
  const state = (): StatePush => ({
    at: Math.round(o.clock.now()),
    brokerRestartable: o.restartBroker !== undefined,
    cloudConnected: o.cloud.connected,
    matter: o.matter?.() ?? null,
    appliances: o.appliances.map((a) => ({ ...a.view(), sample: a.samples.at(-1) })),
  });
  const pusher = setInterval(() => send(streams, "state", state()), PUSH_MS);

  const token = randomBytes(16).toString("hex");
  let port = 0;
  const cookie = () => `hearth_console_${port}`;
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => reply(res, error instanceof HttpError ? error.status : 500, { error: message(error) }));
  });

  /** Host, Origin and token: who may ask what (see above). */
  function admit(req: IncomingMessage, url: URL): void {
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    const host = (req.headers.host ?? "").toLowerCase();
    if (!hosts.includes(host)) throw new HttpError(421, `the console answers only at http://127.0.0.1:${port}/, not Host ${JSON.stringify(req.headers.host ?? "")}`);
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`)) throw new HttpError(403, `requests from ${origin} are refused: the console takes them only from its own page`);
    if (url.pathname === "/" || url.pathname === "/console.js") return;
    const given = req.headers["x-hearth-token"] ?? cookiesOf(req).get(cookie());
    if (typeof given !== "string" || !same(given, token)) throw new HttpError(401, "no valid token: open the console at the address hearth sim printed (it carries this run's token)");
    if (req.method === "POST" && !(req.headers["content-type"] ?? "").startsWith("application/json")) throw new HttpError(415, "the console takes JSON (content-type: application/json)");
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console");
    const path = url.pathname;
    admit(req, url);
    if (req.method === "GET" && path === "/") {
      const given = url.searchParams.get("token") ?? cookiesOf(req).get(cookie());
      if (given === null || given === undefined || !same(given, token)) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
        return void res.end("This console needs this run's token: open the address hearth sim printed (http://127.0.0.1:PORT/?token=...).\n");
      }
      res.setHeader("set-cookie", `${cookie()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return void page(res, "text/html; charset=utf-8", PAGE_HTML);
    }
    if (req.method === "GET" && path === "/console.js") return void page(res, "text/javascript; charset=utf-8", script);
    if (req.method === "GET" && path === "/api/appliances") {
      const snapshot: Snapshot = {
        ...state(),
        appliances: await Promise.all(o.appliances.map(async (a) => ({ ...a.view(), model: a.app.model.spec, samples: await history.samples(a.id, { points: FIRST_POINTS }), story: a.story, floorPlan: a.board.plant.floorPlan ?? null }))),
      };
      return reply(res, 200, snapshot);
    }
    if (req.method === "GET" && path === "/api/stream") return stream(res);
    const h = /^\/api\/appliances\/([^/]+)\/history$/.exec(path);
    if (req.method === "GET" && h !== null) {
      const id = decode(h[1] as string);
      if (!byId.has(id)) throw new HttpError(404, `no appliance called ${JSON.stringify(id)}`);
      return reply(res, 200, { samples: await history.samples(id, historyRange(url.searchParams)) });
    }
    if (req.method !== "POST") throw new HttpError(404, `no ${req.method} ${path}`);
    const body = await readJson(req);
    if (path === "/api/broker/restart") {
      if (o.restartBroker === undefined) throw new HttpError(409, "the session uses an outside broker: the console can restart only the embedded one");
      for (const a of o.appliances) a.tell("fault", "broker restarting");
      await o.restartBroker();
      return reply(res, 200, {});
    }
    const m = /^\/api\/appliances\/([^/]+)\/(set|invoke|power|network|sensor|hand|key)$/.exec(path);
    if (m === null) throw new HttpError(404, `no POST ${path}`);
    const id = decode(m[1] as string);
    const appliance = byId.get(id);
    if (appliance === undefined) throw new HttpError(404, `no appliance called ${JSON.stringify(id)}`);
    return reply(res, 200, await act(appliance, m[2] as string, body));
  }

  async function act(a: SessionAppliance, what: string, body: Record<string, unknown>): Promise<unknown> {
    const model = a.app.model.spec;
    try {
      switch (what) {
        case "set": {
          const values = object(body["values"], "values");
          a.say("event", (lang) => `${lang === "zh" ? "控制台设置" : "console sets"} ${describeValues(model.properties, values, lang)}`);
          await a.cloudDevice.set(values as never, { timeoutMs: 30_000 });
          return {};
        }
        case "invoke": {
          const action = string(body["action"], "action");
          const params = object(body["params"] ?? {}, "params");
          const spec = model.actions[action];
          const named = (lang: Language) => labelOf(spec, action, lang);
          const withParams = (lang: Language) => (Object.keys(params).length === 0 ? "" : ` (${describeValues(spec?.params ?? {}, params, lang)})`);
          a.say("event", (lang) => `${lang === "zh" ? "控制台执行" : "console asks"}: ${named(lang)}${withParams(lang)}`);
          const result = await a.cloudDevice.invoke(action as never, params as never, { timeoutMs: 60 * 60_000 });
          const answer = result as Record<string, unknown>;
          a.say("event", (lang) => `${named(lang)} ${lang === "zh" ? "已接受" : "accepted"}${Object.keys(answer).length === 0 ? "" : `: ${describeValues(spec?.result ?? {}, answer, lang)}`}`);
          return { result };
        }
        case "power":
          a.cutPower(offMs(body["offMs"]));
          return {};
        case "network":
          a.setNetwork(body["up"] === true);
          return {};
        case "sensor": {
          const failure = body["failure"];
          if (failure !== null && failure !== "open" && failure !== "short") throw new HttpError(400, "failure must be \"open\", \"short\" or null (mended)");
          a.failSensor(string(body["name"], "name"), failure ?? undefined);
          return {};
        }
        case "hand":
          return { happened: a.byHand(string(body["name"], "name")) };
        case "key": {
          const key = body["key"];
          const holdMs = body["holdMs"] ?? 120;
          if (typeof key !== "number" || typeof holdMs !== "number") throw new HttpError(400, "key takes { key: a key's number, holdMs?: how long it is held (ms) }");
          a.pressKey(key, holdMs);
          return {};
        }
        default:
          throw new HttpError(404, `no action ${what}`);
      }
    } catch (error) {
      if (error instanceof HttpError) throw error;
      // The device (or the cloud library) refused: the page shows why, and nothing changed.
      a.say("event", (lang) => `${lang === "zh" ? "被拒绝" : "refused"}: ${message(error)}`);
      throw new HttpError(error instanceof HearthError || error instanceof RangeError ? 400 : 504, message(error));
    }
  }

  function stream(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(`event: state\ndata: ${JSON.stringify(state())}\n\n`);
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
    throw new HttpError(400, `the appliance id ${JSON.stringify(escaped)} has a bad %-escape`);
  }
}

function offMs(value: unknown): number {
  if (value === undefined) return 3000;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_OFF_MS) {
    throw new HttpError(400, `offMs must be a number of ms from 0 to ${MAX_OFF_MS} (10 minutes), got ${JSON.stringify(value)}`);
  }
  return value;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
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
    if (text.length > 64 * 1024) throw new HttpError(413, "request body over 64 KiB");
  }
  if (text === "") return {};
  try {
    return object(JSON.parse(text), "body");
  } catch (error) {
    throw error instanceof HttpError ? error : new HttpError(400, `body is not JSON: ${message(error)}`);
  }
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpError(400, `${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw new HttpError(400, `${name} must be a non-empty string`);
  return value;
}

/** `from`, `to` (simulated ms) and `points` (1..5000, default FIRST_POINTS) from a history request's query. */
function historyRange(q: URLSearchParams): HistoryRange {
  const number = (name: string): number | undefined => {
    const text = q.get(name);
    if (text === null) return undefined;
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) throw new HttpError(400, `${name} must be a number, got ${JSON.stringify(text)}`);
    return n;
  };
  const points = number("points") ?? FIRST_POINTS;
  if (!Number.isInteger(points) || points < 1 || points > 5000) throw new HttpError(400, `points must be an integer 1..5000, got ${points}`);
  const from = number("from");
  const to = number("to");
  return { points, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The page's script, bundled from its TypeScript source (shipped in the package beside dist). */
async function bundlePage(): Promise<string> {
  const candidates = ["../page/main.ts", "../../../../../sdk/desk/console/page/main.ts"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const entry = candidates.find((p) => existsSync(p));
  if (entry === undefined) throw new Error(`the console's page source is missing (looked for ${candidates.join(", ")})`);
  const out = await build({ entryPoints: [entry], bundle: true, write: false, format: "esm", target: "es2022", minify: false, logLevel: "silent", loader: { ".css": "text" } });
  return (out.outputFiles[0] as { text: string }).text;
}
