import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { bytesToHex as hex } from "@noble/hashes/utils.js";
import { HearthError, type ErrorCodeName } from "../../thing/errors.js";
import { writable, type AnyModel, type Model, type ModelSpec } from "../../thing/model.js";
import { modelHash } from "../../protocol/model-hash.js";
import { checkValues } from "../../thing/validate.js";
import { checkDeviceId } from "../../protocol/transport.js";
import type { Cloud } from "../cloud.js";
import type { StoredValue } from "../store/port.js";
import { OPENAPI } from "./openapi.js";

/** An API client: a name (for logs) and its bearer token. */
export interface ApiClient {
  name: string;
  token: string;
}

/** Why a request failed, as the HTTP API answers it: a PROTOCOL.md error name, or one of the API's own. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCodeName | "unauthorized" | "not-found",
    message: string,
    readonly member?: string,
  ) {
    super(message);
  }
}

/** The HTTP status of each protocol error (README.md, "Errors"). */
const STATUS: Record<ErrorCodeName, number> = {
  "malformed": 400,
  "unknown-message": 400,
  "unknown-property": 400,
  "read-only": 400,
  "wrong-type": 400,
  "out-of-range": 400,
  "unknown-action": 400,
  "bad-param": 400,
  "busy": 409,
  "failed": 502,
  "timeout": 504,
  "offline": 503,
  "stale": 412,
  "deadline-passed": 504,
  "unknown-model": 400,
  "no-session": 404,
};

const BODY_MAX = 16 << 20;
/** How far back each poll of an event stream looks: longer than any commit takes. */
const LOOK_BACK_MS = 10_000;

/**
 * The cloud's HTTP API (README.md, openapi.ts): a backend's or the console's
 * view of the fleet, from the store, so any instance answers for every
 * device. Every route but the OpenAPI document needs a client's bearer token.
 */
export function httpApi(cloud: Cloud, models: readonly AnyModel[], clients: readonly ApiClient[]): (req: IncomingMessage, res: ServerResponse) => void {
  if (clients.length === 0) throw new Error("the HTTP API needs at least one client token");
  const tokens = clients.map((c) => ({ name: c.name, digest: sha256(c.token) }));
  const byHash = new Map(models.map((m) => [`${m.id}/${hex(modelHash(m))}`, m]));
  const store = cloud.store;

  const modelOf = async (id: string): Promise<AnyModel> => {
    const record = await store.device(checked(id));
    if (record === undefined) throw new ApiError(404, "no-session", `no device ${id} has said hello`);
    const model = byHash.get(`${record.model}/${record.modelHash}`);
    if (model === undefined) throw new ApiError(404, "unknown-model", `device ${id} runs model ${record.model} (${record.modelHash}), which this instance does not serve`);
    return model;
  };

  /** A model as the API gives it: its id, revision hash (as a device's record names it) and definition (PROTOCOL.md section 3a). */
  const described = (model: AnyModel) => ({ id: model.id, hash: hex(modelHash(model)), version: model.spec.version, spec: model.spec });

  const routes: [string, RegExp, (m: string[], url: URL, req: IncomingMessage, res: ServerResponse) => Promise<unknown>][] = [
    ["GET", /^\/v1\/models$/, async () => ({ models: [...byHash.values()].map(described) })],
    ["GET", /^\/v1\/devices$/, async () => ({ devices: await store.devices() })],
    ["GET", /^\/v1\/devices\/([^/]+)\/model$/, async ([id]) => described(await modelOf(id as string))],
    [
      "GET",
      /^\/v1\/devices\/([^/]+)$/,
      async ([id]) => {
        const record = await store.device(checked(id));
        if (record === undefined) throw new ApiError(404, "no-session", `no device ${id} has said hello`);
        return { device: record, reported: await store.reported(record.deviceId), desired: await store.desired(record.deviceId) };
      },
    ],
    ["GET", /^\/v1\/devices\/([^/]+)\/reported$/, async ([id]) => ({ reported: await store.reported(checked(id)) })],
    [
      "GET",
      /^\/v1\/devices\/([^/]+)\/desired$/,
      async ([id], _url, _req, res) => {
        const doc = await store.desired(checked(id));
        res.setHeader("ETag", `"${doc.version}"`);
        return doc;
      },
    ],
    [
      "PATCH",
      /^\/v1\/devices\/([^/]+)\/desired$/,
      async ([id], _url, req, res) => {
        const model = await modelOf(id as string);
        const body = (await json(req)) as { values?: unknown };
        const values = body.values;
        if (typeof values !== "object" || values === null || Array.isArray(values)) throw new ApiError(400, "malformed", 'the body must be {"values": {PROPERTY: VALUE, ...}}');
        const props = model.spec.properties;
        for (const name of Object.keys(values)) {
          const spec = props[name];
          if (spec !== undefined && !writable(spec)) throw new ApiError(400, "read-only", `property ${name} is read-only`, name);
        }
        checkValues(props, values as Record<string, unknown>, "property", false); // refuses bad values before anything is kept
        const expected = ifMatch(req);
        const doc = await store.changeDesired(id as string, values as Record<string, StoredValue>, expected === undefined ? {} : { expected });
        // The device gets it now if it is online, or with the whole document at its next hello.
        cloud.sendDesired(id as string, model, doc);
        res.setHeader("ETag", `"${doc.version}"`);
        res.statusCode = 202;
        return doc;
      },
    ],
    [
      "POST",
      /^\/v1\/devices\/([^/]+)\/actions\/([^/]+)$/,
      async ([id, action], _url, req) => {
        const model = await modelOf(id as string);
        const body = (await json(req)) as { params?: unknown; timeoutMs?: unknown; deadlineMs?: unknown };
        const params = body.params ?? {};
        if (typeof params !== "object" || params === null || Array.isArray(params)) throw new ApiError(400, "malformed", 'params must be an object: {"params": {...}}');
        const timeoutMs = optionalMs(body.timeoutMs, "timeoutMs") ?? 10_000;
        const deadlineMs = optionalMs(body.deadlineMs, "deadlineMs");
        const device = cloud.device(id as string, model as unknown as Model<ModelSpec>);
        const result = await device.invoke(action as never, params as never, { timeoutMs, ...(deadlineMs === undefined ? {} : { deadlineMs }) });
        return { result };
      },
    ],
    [
      "GET",
      /^\/v1\/devices\/([^/]+)\/history$/,
      async ([id], url) => {
        const { from, to } = range(url);
        const member = url.searchParams.get("member") ?? undefined;
        return { history: await store.history(checked(id), from, to, member) };
      },
    ],
    [
      "GET",
      /^\/v1\/devices\/([^/]+)\/events$/,
      async ([id], url, req, res) => {
        if ((req.headers.accept ?? "").includes("text/event-stream")) return eventStream(checked(id), url, res);
        const { from, to } = range(url);
        return { events: await store.events(checked(id), from, to) };
      },
    ],
    [
      "POST",
      /^\/v1\/rollouts$/,
      async (_m, _url, req, res) => {
        const body = (await json(req)) as { image?: unknown; devices?: unknown; share?: unknown; maxFailures?: unknown };
        if (typeof body.image !== "string" || !Array.isArray(body.devices) || !body.devices.every((d) => typeof d === "string")) {
          throw new ApiError(400, "malformed", 'the body must be {"image": BASE64, "devices": [ID, ...], "share"?: 0..1, "maxFailures"?: N}');
        }
        if (body.maxFailures !== undefined && !(Number.isInteger(body.maxFailures) && (body.maxFailures as number) >= 0 && (body.maxFailures as number) <= 0x7fffffff)) {
          throw new ApiError(400, "out-of-range", `maxFailures must be a whole number from 0 to 2147483647, got ${JSON.stringify(body.maxFailures)}`);
        }
        const rollout = cloud.rollout({
          image: new Uint8Array(Buffer.from(body.image, "base64")),
          devices: body.devices as string[],
          ...(typeof body.share === "number" ? { share: body.share } : {}),
          ...(typeof body.maxFailures === "number" ? { maxFailures: body.maxFailures } : {}),
        });
        // Answered once its plan is in the store: every instance of the tier then serves it.
        await cloud.planKept(rollout.id);
        res.statusCode = 201;
        return { id: rollout.id };
      },
    ],
    ["GET", /^\/v1\/rollouts\/(\d+)$/, async ([id]) => ({ id: Number(id), devices: await store.rollout(Number(id)) })],
  ];

  /**
   * Server-sent events: the device's events and reported values as they are stored (polled; any
   * instance's). A row's time is when its instance took it, and it commits a little later: each poll
   * looks back over the last 10 s and skips what it sent already.
   */
  async function eventStream(id: string, url: URL, res: ServerResponse): Promise<typeof STREAMING> {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
    res.flushHeaders();
    let since = Number(url.searchParams.get("from") ?? Date.now());
    const sent = new Map<string, number>();
    let open = true;
    res.on("close", () => (open = false));
    while (open) {
      const now = Date.now();
      const [events, history] = await Promise.all([store.events(id, since, now), store.history(id, since, now)]);
      const fresh = (key: string, at: number): boolean => !sent.has(key) && sent.set(key, at) !== undefined;
      for (const e of events) if (fresh(`e/${e.seq}`, e.at)) res.write(`event: event\ndata: ${JSON.stringify(e)}\n\n`);
      for (const h of history) if (fresh(`r/${h.seq}/${h.member}`, h.at)) res.write(`event: reported\ndata: ${JSON.stringify(h)}\n\n`);
      since = Math.max(since, now - LOOK_BACK_MS);
      for (const [key, at] of sent) if (at < since) sent.delete(key);
      await new Promise((r) => setTimeout(r, 250));
    }
    return STREAMING;
  }

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://api");
    void (async () => {
      try {
        if (req.method === "GET" && url.pathname === "/v1/openapi.json") return send(res, 200, OPENAPI);
        authorize(req, tokens);
        for (const [method, pattern, handler] of routes) {
          const m = pattern.exec(url.pathname);
          if (m === null) continue;
          if (req.method !== method) continue;
          const out = await handler(m.slice(1).map(decodeURIComponent), url, req, res);
          if (out !== STREAMING) send(res, res.statusCode === 200 ? 200 : res.statusCode, out);
          return;
        }
        throw new ApiError(404, "not-found", `no route ${req.method} ${url.pathname} (GET /v1/openapi.json lists them)`);
      } catch (error) {
        const e = asApiError(error);
        if (!res.headersSent) send(res, e.status, { error: e.code, detail: e.message, ...(e.member === undefined ? {} : { member: e.member }) });
        else res.end();
      }
    })();
  };
}

const STREAMING = Symbol("streaming");

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HearthError) return new ApiError(STATUS[error.code], error.code, error.message, error.member);
  if (error instanceof RangeError) return new ApiError(400, "malformed", error.message);
  return new ApiError(503, "offline", `the store did not answer: ${(error as Error).message}`);
}

function authorize(req: IncomingMessage, tokens: readonly { name: string; digest: Buffer }[]): void {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer (\S+)$/.exec(header);
  if (m === null) throw new ApiError(401, "unauthorized", "this API needs Authorization: Bearer TOKEN");
  const digest = sha256(m[1] as string);
  // Compared as digests of equal length, in constant time: a token's prefix teaches nothing.
  if (!tokens.some((t) => timingSafeEqual(t.digest, digest))) throw new ApiError(401, "unauthorized", "this token is not one of this API's clients");
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function checked(id: string | undefined): string {
  try {
    return checkDeviceId(id ?? "");
  } catch (error) {
    throw new ApiError(400, "malformed", (error as Error).message);
  }
}

function ifMatch(req: IncomingMessage): number | undefined {
  const header = req.headers["if-match"];
  if (header === undefined) return undefined;
  const m = /^"?(\d+)"?$/.exec(String(header).trim());
  if (m === null) throw new ApiError(400, "malformed", `If-Match must be a desired version, as the ETag gave it ("3"), got ${header}`);
  return Number(m[1]);
}

function optionalMs(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 3_600_000) throw new ApiError(400, "malformed", `${name} must be a whole number of ms, 1..3600000`);
  return value;
}

function range(url: URL): { from: number; to: number } {
  const read = (name: string, otherwise: number): number => {
    const text = url.searchParams.get(name);
    if (text === null) return otherwise;
    const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(n)) throw new ApiError(400, "malformed", `${name} must be Unix ms or an ISO 8601 time, got ${text}`);
    return n;
  };
  const to = read("to", Date.now() + 1);
  return { from: read("from", to - 3_600_000), to };
}

async function json(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_MAX) throw new ApiError(400, "malformed", `the body is over ${BODY_MAX} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new ApiError(400, "malformed", `the body is not JSON: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
