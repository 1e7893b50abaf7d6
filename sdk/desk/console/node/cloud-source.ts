import type { DeviceRecord, Desired, HistoryRow, ReportedMember, StoredEvent } from "../../../cloud/store/port.js";
import type { FieldSpec, ModelSpec } from "../../../thing/model.js";
import { describeValues, inBoth, labelOf, type Language } from "../../../thing/presentation.js";
import type { ApplianceEvent, Sample } from "../../sim/session-appliance.js";
import type { FirstView, SourceInfo, StatePush, StoryLine, View } from "../api.js";
import { thin, type HistorySource } from "../history.js";
import { ConsoleError, messageOf, objectField, stringField, type ConsoleSource } from "../source.js";

export interface CloudSourceOptions {
  /** The HTTP API's base URL (hearth cloud serve prints it): http://127.0.0.1:8081. */
  url: string;
  /** A bearer token of one of the API's clients. */
  token: string;
  /** The devices to show, by id. Default: the first `max` the API lists, and those that say hello later, up to `max`. */
  devices?: readonly string[];
  /** Devices shown when none are named. Default 24. */
  max?: number;
  /** How often presence, reported and desired state are read again, ms. Default 2000. */
  pollMs?: number;
  /** History loaded at first, ms back from now. Default an hour. */
  historyMs?: number;
}

/** The cloud's API could not be used at all: unreachable, or it refused the token. */
export class CloudSourceError extends Error {
  override readonly name = "CloudSourceError";
}

/** An answer of the API's other than 2xx: its status, the PROTOCOL.md error name and its detail. */
class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

interface ModelAnswer {
  id: string;
  hash: string;
  spec: ModelSpec;
}

/** One device as the console keeps it: what the API said, its samples (from its history, then its event stream) and its story. */
interface Shown {
  id: string;
  record: DeviceRecord;
  model: ModelSpec;
  hash: string;
  reported: Record<string, ReportedMember>;
  desired: Desired;
  samples: Sample[];
  /** The sample values as of the newest one: each report changes some, the rest carry on. */
  current: Record<string, number>;
  story: ApplianceEvent[];
  /** Rows and events taken lately: a stream repeats the seconds before it starts (or reconnects). */
  seen: Map<string, number>;
  /** Rows of the first load from this time on are remembered in `seen`: the stream may send them again. */
  seenFrom: number;
  stream: AbortController;
}

const STORY = 300;
/** Samples kept per device: at one report a second, over five hours. */
const KEPT = 20_000;
/** A reconnected stream starts this far back, so nothing committed meanwhile is missed (repeats are dropped). */
const STREAM_OVERLAP_MS = 10_000;
/** The longest a console waits for an action's result (the API's deadline too). */
const INVOKE_MS = 60_000;
/** The longest a console waits for any other answer of the API (a poll, a history, a set). */
const API_TIMEOUT_MS = 10_000;

/**
 * A running cloud tier's HTTP API (hearth cloud serve, sdk/cloud/node/README.md)
 * as the console's source: the devices it lists, each with the model it said
 * hello with (GET /v1/devices/{id}/model), its reported and desired state and
 * presence (read again every `pollMs`), its history (GET .../history) and
 * live reports and events (the API's server-sent stream, GET .../events).
 * Sets go to PATCH .../desired with the version the page showed (If-Match: a
 * 412 is shown as such), invokes to POST .../actions/{action}. There is no
 * simulator behind a cloud: its controls (power, network, sensors, keys, by
 * hand) are refused by name. Rejects with CloudSourceError when the API
 * cannot be reached or refuses the token. Node-only (fetch, streams).
 */
export async function cloudSource(o: CloudSourceOptions): Promise<ConsoleSource> {
  const base = o.url.replace(/\/+$/, "");
  const pollMs = o.pollMs ?? 2000;
  const historyMs = o.historyMs ?? 3_600_000;
  const max = o.max ?? 24;
  const named = o.devices === undefined || o.devices.length === 0 ? undefined : [...o.devices];
  const shown = new Map<string, Shown>();
  const loading = new Set<string>();
  const listeners = new Set<(line: StoryLine) => void>();
  let listed = 0;
  let missing: string[] = [];
  /** The devices to show, in the order named (or listed): cards keep it. */
  let order: string[] = [];
  const inOrder = (): Shown[] => order.flatMap((id) => shown.get(id) ?? []);
  let connected = true;
  let closed = false;

  /** Aborts every request still out when the console stops. */
  const stopping = new AbortController();

  async function api<T>(path: string, init: RequestInit = {}, timeoutMs = API_TIMEOUT_MS): Promise<T> {
    let res: Response;
    try {
      // A request the API does not answer in time fails: the page says the API is not answering, and no poll piles up behind it.
      const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]);
      res = await fetch(`${base}${path}`, { ...init, signal, headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CloudSourceError(`no answer from the cloud's API at ${base} (${cause?.code ?? cause?.message ?? messageOf(error)}): is hearth cloud serve running there?`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new ApiRefusal(res.status, "malformed", `the API answered HTTP ${res.status} with something not JSON: ${text.slice(0, 120)}`);
    }
    if (!res.ok) {
      const e = body as { error?: unknown; detail?: unknown };
      throw new ApiRefusal(res.status, typeof e.error === "string" ? e.error : `HTTP ${res.status}`, typeof e.detail === "string" ? e.detail : text.slice(0, 200));
    }
    return body as T;
  }

  const say = (d: Shown, kind: ApplianceEvent["kind"], words: (lang: Language) => string, at = Date.now()): void => {
    const { en, zh } = inBoth(words);
    const line: ApplianceEvent = { at, kind, text: en, zh };
    d.story.push(line);
    if (d.story.length > STORY) d.story.shift();
    for (const listener of listeners) listener({ id: d.id, ...line });
  };

  // Reachable, and the token is one of its clients' (a 401 here is the operator's mistake, said at once).
  let first: DeviceRecord[];
  try {
    first = (await api<{ devices: DeviceRecord[] }>("/v1/devices")).devices;
  } catch (error) {
    if (error instanceof ApiRefusal) throw new CloudSourceError(error.status === 401 ? `the cloud's API at ${base} refused the token (401 ${error.detail})` : `the cloud's API at ${base} answered GET /v1/devices with ${error.status} ${error.message}`);
    throw error;
  }
  if (!Array.isArray(first) || !first.every((r) => typeof (r as { deviceId?: unknown } | null)?.deviceId === "string")) {
    throw new CloudSourceError(`${base} answered GET /v1/devices with something that is not a list of devices: is it hearth cloud serve's API?`);
  }

  /** Loads a device: its record, model, state, the last `historyMs` of its history and events; then follows its event stream. */
  async function load(record: DeviceRecord): Promise<void> {
    const id = record.deviceId;
    if (shown.has(id) || loading.has(id)) return;
    loading.add(id);
    try {
      const enc = encodeURIComponent(id);
      const [model, state] = await Promise.all([api<ModelAnswer>(`/v1/devices/${enc}/model`), api<{ device: DeviceRecord; reported: Record<string, ReportedMember>; desired: Desired }>(`/v1/devices/${enc}`)]);
      const to = Date.now() + 1;
      const from = to - historyMs;
      const [history, events] = await Promise.all([api<{ history: HistoryRow[] }>(`/v1/devices/${enc}/history?from=${from}&to=${to}`), api<{ events: StoredEvent[] }>(`/v1/devices/${enc}/events?from=${from}&to=${to}`)]);
      if (closed) return;
      const d: Shown = { id, record: state.device, model: model.spec, hash: model.hash, reported: state.reported, desired: state.desired, samples: [], current: {}, story: [], seen: new Map(), seenFrom: to - 2 * STREAM_OVERLAP_MS, stream: new AbortController() };
      // What the device reported before the history starts carries into it.
      for (const [member, r] of Object.entries(state.reported)) if (r.at < from) setCurrent(d, member, r.value);
      for (const row of withoutLateRows(history.history, state.reported)) take(d, row);
      for (const e of events.events) storyOfEvent(d, e);
      say(d, "link", (lang) => (lang === "zh" ? `经云端 API ${base} 读取 · ${presence(d, lang)}` : `read through the cloud's API at ${base} · ${presence(d, lang)}`));
      shown.set(id, d);
      void follow(d, to - 1);
    } finally {
      loading.delete(id);
    }
  }

  /** The API's event stream of one device: reports become samples and reported values, events story lines. Reconnects until closed. */
  async function follow(d: Shown, from: number): Promise<void> {
    let since = from;
    while (!closed && !d.stream.signal.aborted) {
      try {
        const res = await fetch(`${base}/v1/devices/${encodeURIComponent(d.id)}/events?from=${since}`, { headers: { authorization: `Bearer ${o.token}`, accept: "text/event-stream" }, signal: d.stream.signal });
        if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const kind = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (kind === undefined || data === undefined) continue;
            const row = JSON.parse(data) as { at: number };
            since = Math.max(since, row.at - STREAM_OVERLAP_MS);
            if (kind === "reported") take(d, row as HistoryRow, true);
            else if (kind === "event") storyOfEvent(d, row as StoredEvent);
          }
        }
      } catch {
        // Closed, or the API went away (an instance restarting): try again shortly, from a little back.
      }
      if (closed || d.stream.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /**
   * A reported row: into the device's reported state (if newer) and its samples. A row seen already
   * (the stream repeats the last seconds when it starts or reconnects) is dropped. A row older than
   * the newest sample (another instance committed it later) takes its place in the past.
   */
  function take(d: Shown, row: HistoryRow, live = false): void {
    const key = `r/${row.at}/${row.seq}/${row.member}`;
    if (d.seen.has(key)) return;
    // Only what a stream may send again is remembered: the last seconds before it starts, and what it sent.
    if (live || row.at >= d.seenFrom) remember(d, key, row.at);
    if (live) {
      // Newer is by (session, seq), as the store judges reported state, not by time: a row's time is when
      // an instance took it, and a report resent late (unacknowledged until then) is older than it looks.
      const was = d.reported[row.member];
      if (was !== undefined && was.session === d.record.session && row.seq < was.seq) return;
      d.reported[row.member] = { value: row.value, session: d.record.session, seq: row.seq, at: row.at };
    }
    const v = sampleValue(d.model.properties[row.member], row.value);
    if (v === undefined) return;
    const name = `${row.member} (reported)`;
    const samples = d.samples;
    const last = samples.at(-1);
    if (last === undefined || row.at > last.at) {
      d.current[name] = v;
      samples.push({ at: row.at, values: { ...d.current } });
      if (samples.length > KEPT * 1.1) samples.splice(0, samples.length - KEPT);
      return;
    }
    if (row.at === last.at) {
      // A report's members share its time: one sample.
      d.current[name] = v;
      last.values[name] = v;
      return;
    }
    let i = samples.length - 1;
    while (i > 0 && (samples[i - 1] as Sample).at >= row.at) i--;
    const at = samples[i] as Sample;
    if (at.at === row.at) at.values[name] = v;
    else samples.splice(i, 0, { at: row.at, values: { ...(samples[i - 1]?.values ?? {}), [name]: v } });
  }

  function remember(d: Shown, key: string, at: number): void {
    d.seen.set(key, at);
    if (d.seen.size <= 5000) return;
    const newest = d.samples.at(-1)?.at ?? at;
    for (const [k, t] of d.seen) if (t < newest - 2 * STREAM_OVERLAP_MS) d.seen.delete(k);
  }

  function setCurrent(d: Shown, member: string, value: unknown): void {
    const v = sampleValue(d.model.properties[member], value);
    if (v !== undefined) d.current[`${member} (reported)`] = v;
  }

  function storyOfEvent(d: Shown, e: StoredEvent): void {
    const key = `e/${e.at}/${e.seq}`;
    if (d.seen.has(key)) return;
    if (e.at >= d.seenFrom) remember(d, key, e.at);
    const spec = d.model.events[e.name];
    say(d, "event", (lang) => `${labelOf(spec, e.name, lang)}${Object.keys(e.fields).length > 0 ? `: ${describeValues(spec?.fields ?? {}, e.fields, lang)}` : ""}`, e.at);
  }

  /** Presence, desired and reported state again, for every device shown; the list again now and then (new devices, the count). */
  let polls = 0;
  let polling = false;
  async function poll(): Promise<void> {
    // One at a time: a slow API is not asked again before it has answered.
    if (polling || closed) return;
    polling = true;
    try {
      if (polls++ % 5 === 0 || missing.length > 0) await refreshList();
      await Promise.all([...shown.values()].map((d) => refresh(d)));
      connected = true;
    } catch {
      connected = false;
    } finally {
      polling = false;
    }
  }

  async function refreshList(): Promise<void> {
    const devices = (await api<{ devices: DeviceRecord[] }>("/v1/devices")).devices;
    listed = devices.length;
    await choose(devices);
  }

  async function choose(devices: readonly DeviceRecord[]): Promise<void> {
    const byId = new Map(devices.map((r) => [r.deviceId, r]));
    // Named: those. Else the first `max` listed, and later ones while there is room (a card once shown stays).
    order = named ?? [...new Set([...order, ...devices.map((r) => r.deviceId)])].slice(0, max);
    const wanted = order;
    missing = wanted.filter((id) => !byId.has(id));
    await Promise.all(
      wanted.map((id) => {
        const record = byId.get(id);
        return record === undefined ? undefined : load(record).catch(() => undefined); // its model or state not to be had now: tried again at the next poll
      }),
    );
    // A named device the API knows, whose model it does not serve (or that did not load), is missing too.
    missing = wanted.filter((id) => !shown.has(id));
  }

  async function refresh(d: Shown): Promise<void> {
    const state = await api<{ device: DeviceRecord; reported: Record<string, ReportedMember>; desired: Desired }>(`/v1/devices/${encodeURIComponent(d.id)}`);
    const was = d.record;
    d.record = state.device;
    if (was.online !== d.record.online || was.bootCount !== d.record.bootCount) say(d, "link", (lang) => presence(d, lang), d.record.presenceAt);
    for (const [member, r] of Object.entries(state.reported)) {
      // The store's, unless the stream brought a later report of the same session since.
      const kept = d.reported[member];
      if (kept === undefined || kept.session !== r.session || kept.seq <= r.seq) d.reported[member] = r;
    }
    const desired = d.desired;
    d.desired = state.desired;
    if (state.desired.version > desired.version) {
      say(d, "event", (lang) => `${lang === "zh" ? "期望状态" : "desired"} v${state.desired.version}: ${describeValues(d.model.properties, state.desired.values, lang)}`);
    }
    if (state.desired.deviceVersion > desired.deviceVersion) say(d, "event", (lang) => (lang === "zh" ? `设备已收到期望状态 v${state.desired.deviceVersion}` : `the device has desired v${state.desired.deviceVersion}`));
  }

  await choose(first);
  listed = first.length;
  const poller = setInterval(() => void poll(), pollMs);

  const view = (d: Shown): View => ({
    id: d.id,
    app: d.model.id,
    board: "",
    firmware: d.record.firmware,
    status: statusOf(d),
    online: d.record.online,
    network: d.record.online,
    link: d.record.online ? "online" : "offline",
    reported: Object.fromEntries(Object.entries(d.reported).map(([k, r]) => [k, r.value])),
    readings: {},
    boots: d.record.bootCount,
    resets: 0,
    sensors: [],
    byHand: [],
    chart: chartOf(d.model),
    panel: null,
    desired: { version: d.desired.version, values: d.desired.values, deviceVersion: d.desired.deviceVersion },
  });

  const info = (): SourceInfo => ({ kind: "cloud", url: base, shown: shown.size, devices: listed, missing });

  const history: HistorySource = {
    samples: async (id, range) => {
      const d = shown.get(id);
      if (d === undefined) return [];
      const loadedFrom = d.samples[0]?.at ?? Infinity;
      if ((range.from ?? -Infinity) >= loadedFrom || range.from === undefined) {
        return thin(d.samples.filter((s) => s.at >= (range.from ?? -Infinity) && s.at <= (range.to ?? Infinity)), range.points);
      }
      // Before what the console holds: the API's history route, as it is, but never further back than the
      // console shows (a quiet device's first sample asked for everything since 1970).
      const to = (range.to ?? Date.now()) + 1;
      const from = Math.max(Math.floor(range.from), Date.now() - historyMs);
      if (from >= to) return [];
      const rows = (await api<{ history: HistoryRow[] }>(`/v1/devices/${encodeURIComponent(id)}/history?from=${from}&to=${Math.ceil(to)}`)).history;
      const past: Shown = { ...d, samples: [], current: {}, seen: new Map(), seenFrom: Infinity };
      for (const row of withoutLateRows(rows, d.reported)) take(past, row);
      return thin(past.samples, range.points);
    },
  };

  async function act(d: Shown, what: string, body: Record<string, unknown>): Promise<unknown> {
    const enc = encodeURIComponent(d.id);
    switch (what) {
      case "set": {
        const values = objectField(body["values"], "values");
        const expect = body["expect"];
        if (expect !== undefined && (typeof expect !== "number" || !Number.isInteger(expect) || expect < 0)) throw new ConsoleError(400, `expect must be the desired version the page showed (a whole number), got ${JSON.stringify(expect)}`);
        try {
          const doc = await api<Desired>(`/v1/devices/${enc}/desired`, { method: "PATCH", body: JSON.stringify({ values }), ...(expect === undefined ? {} : { headers: { "if-match": `"${expect}"` } }) });
          if (doc.version > d.desired.version) d.desired = doc;
          say(d, "event", (lang) => `${lang === "zh" ? "控制台设置" : "console sets"} ${describeValues(d.model.properties, values, lang)} (${lang === "zh" ? "期望状态" : "desired"} v${doc.version})`);
          return { version: doc.version };
        } catch (error) {
          if (error instanceof ApiRefusal && error.status === 412) {
            // Someone else changed it since the page showed it: the page gets the document as it is now, and says so.
            await refresh(d).catch(() => undefined);
            say(d, "event", (lang) => (lang === "zh" ? `被拒绝 (412 stale): 期望状态已是 v${d.desired.version}, 不是页面显示的 v${String(expect)}` : `refused (412 stale): the desired state is at v${d.desired.version} now, not the v${String(expect)} the page showed`));
            throw new ConsoleError(412, `412 stale: ${error.detail}; someone changed it since the page showed v${String(expect)}: look again and set again`);
          }
          throw refused(d, error);
        }
      }
      case "invoke": {
        const action = stringField(body["action"], "action");
        const params = objectField(body["params"] ?? {}, "params");
        const spec = d.model.actions[action];
        const named = (lang: Language) => labelOf(spec, action, lang);
        say(d, "event", (lang) => `${lang === "zh" ? "控制台执行" : "console asks"}: ${named(lang)}${Object.keys(params).length === 0 ? "" : ` (${describeValues(spec?.params ?? {}, params, lang)})`}`);
        try {
          const { result } = await api<{ result: Record<string, unknown> }>(`/v1/devices/${enc}/actions/${encodeURIComponent(action)}`, { method: "POST", body: JSON.stringify({ params, timeoutMs: INVOKE_MS, deadlineMs: INVOKE_MS }) }, INVOKE_MS + API_TIMEOUT_MS);
          say(d, "event", (lang) => `${named(lang)} ${lang === "zh" ? "已接受" : "accepted"}${Object.keys(result).length === 0 ? "" : `: ${describeValues(spec?.result ?? {}, result, lang)}`}`);
          return { result };
        } catch (error) {
          throw refused(d, error);
        }
      }
      case "power":
      case "network":
      case "sensor":
      case "hand":
      case "key":
        throw new ConsoleError(409, `${what} is a simulator's control: this console reads a cloud's API (${base}), and there is no simulator behind it (hearth sim's console has it)`);
      default:
        throw new ConsoleError(404, `no action ${what}`);
    }
  }

  /** The API's refusal as the console answers it: its status and error name, told in the device's story too. */
  function refused(d: Shown, error: unknown): ConsoleError {
    if (!(error instanceof ApiRefusal)) return new ConsoleError(502, messageOf(error));
    say(d, "event", (lang) => `${lang === "zh" ? "被拒绝" : "refused"}: ${error.code}: ${error.detail}`);
    return new ConsoleError(error.status, `${error.code}: ${error.detail}`);
  }

  return {
    info,
    appliances: async (points) =>
      inOrder().map((d): FirstView => ({ ...view(d), model: d.model, samples: thin(d.samples, points), story: [...d.story], floorPlan: null })),
    state: (): StatePush => ({
      at: Date.now(),
      source: info(),
      brokerRestartable: false,
      cloudConnected: connected,
      matter: null,
      appliances: inOrder().map((d) => ({ ...view(d), sample: d.samples.at(-1) })),
    }),
    has: (id) => shown.has(id),
    history,
    onStory: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    act: (id, what, body) => {
      const d = shown.get(id);
      if (d === undefined) return Promise.reject(new ConsoleError(404, `no device called ${JSON.stringify(id)}`));
      return act(d, what, body);
    },
    restartBroker: undefined,
    close: async () => {
      closed = true;
      clearInterval(poller);
      stopping.abort();
      for (const d of shown.values()) d.stream.abort();
    },
  };
}

/**
 * History rows without the late ones. A row's time is when an instance of the tier took its report, so
 * a report resent late (unacknowledged until then: a device's first report that reached one instance
 * before its hello was committed by another waits for the device's resend) sits among newer ones with
 * older values. Member by member, by seq: a row below a seq before it is late when the member's next row
 * goes on above those seqs; a device that started its seqs over (a new session) starts low and stays
 * low. A member's last row is late when the reported state (the newest by session and seq) holds a
 * higher seq taken before it.
 */
export function withoutLateRows(rows: readonly HistoryRow[], reported: Readonly<Record<string, ReportedMember>>): HistoryRow[] {
  const byMember = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = byMember.get(r.member);
    if (list === undefined) byMember.set(r.member, [i]);
    else list.push(i);
  });
  const late = new Set<number>();
  for (const [member, indexes] of byMember) {
    let highest = -Infinity;
    indexes.forEach((i, k) => {
      const row = rows[i] as HistoryRow;
      if (row.seq >= highest) return void (highest = row.seq);
      const next = indexes[k + 1] === undefined ? undefined : (rows[indexes[k + 1] as number] as HistoryRow);
      const now = reported[member];
      if (next !== undefined ? next.seq > highest : now !== undefined && now.seq > row.seq && now.at <= row.at) late.add(i);
      else highest = row.seq; // a new session: its seqs from here on
    });
  }
  return rows.filter((_, i) => !late.has(i));
}

/** A reported value as a chart takes it: a number; a bool as 0 or 1; an enum as its value's index; text not at all. */
function sampleValue(spec: FieldSpec | undefined, value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return Number(value);
  if (spec?.type === "enum") {
    const i = (spec.values as readonly unknown[]).indexOf(value);
    return i < 0 ? undefined : i;
  }
  return undefined;
}

/** The series charted first: the model's first three numbers (not enums, not bools). */
function chartOf(model: ModelSpec): string[] {
  return Object.entries(model.properties)
    .filter(([, spec]) => spec.type === "int" || spec.type === "number")
    .slice(0, 3)
    .map(([name]) => `${name} (reported)`);
}

function presence(d: Shown, lang: Language): string {
  const r = d.record;
  if (lang === "zh") return r.online ? `在线 (固件 ${r.firmware}, 第 ${r.bootCount} 次启动)` : "离线";
  return r.online ? `online (firmware ${r.firmware}, boot ${r.bootCount})` : "offline";
}

/** The card's status line: the device as the cloud has it. */
function statusOf(d: Shown): string {
  const { version, deviceVersion } = d.desired;
  const last = Object.values(d.reported).reduce((t, r) => Math.max(t, r.at), 0);
  const desired = version === 0 ? "no desired state set" : deviceVersion >= version ? `desired v${version} (the device has it)` : `desired v${version} (the device has v${deviceVersion}: ${d.record.online ? "sent" : "it gets it at its next hello"})`;
  return `${d.model.id} rev ${d.hash.slice(0, 8)} · firmware ${d.record.firmware} · ${desired} · last report ${last === 0 ? "none" : new Date(last).toISOString().slice(11, 19)} UTC`;
}
