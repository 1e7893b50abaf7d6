import { decodeMessage, type Message, type WireMembers } from "../../../protocol/envelope.js";
import { valueFromWire } from "../../../protocol/members.js";
import { topics } from "../../../protocol/transport.js";
import { errorCodeName } from "../../../thing/errors.js";
import type { FieldSpec, ModelSpec } from "../../../thing/model.js";
import type { OptionValues } from "./commands.js";
import { appOf, brokerLogin, unitOf } from "./cloud-client.js";
import { EXAMPLES, loadApp } from "./load-app.js";
import { deviceIdOption, UsageError } from "./options.js";

type Fields = Readonly<Record<string, FieldSpec>>;

/**
 * `hearth watch [DEVICE]`: every frame on the link (both directions), decoded
 * as PROTOCOL.md has it: its message type, members by name, values with units
 * (a device's model from its hello, from --app, or from its id as hearth sim
 * names it); `--json`, one line a frame. Runs until Ctrl-C.
 */
export async function watchCommand(rest: string[], values: OptionValues): Promise<number> {
  const only = rest[0] === undefined ? undefined : deviceIdOption("device", rest[0]);
  if (rest.length > 1) throw new UsageError("try hearth watch [DEVICE]");
  const login = brokerLogin(values);
  const byModelId = new Map<string, ModelSpec>();
  for (const name of EXAMPLES) {
    const spec = (await loadApp(name)).model.spec;
    byModelId.set(spec.id, spec);
  }
  const modelOf = new Map<string, ModelSpec | undefined>();
  const invoked = new Map<string, number>(); // device/command id -> action id: a result is named by its invoke
  const specFor = async (device: string): Promise<ModelSpec | undefined> => {
    if (!modelOf.has(device)) modelOf.set(device, await appOf(device, values).then((a) => a.model.spec, () => undefined));
    return modelOf.get(device);
  };

  let refused: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (refused = reject));
  let up!: () => void;
  const connected = new Promise<void>((resolve) => (up = resolve));
  const pending: Promise<void>[] = [];
  const transport = login.transport("hearth-watch", (e) => refused?.(e));
  transport.start({
    up: () => {
      for (const t of only === undefined ? ["h/+/u", "h/+/d"] : [topics.up(only), topics.down(only)]) transport.subscribe(t);
      up();
    },
    down: () => undefined,
    message: (topic, payload) => {
      const m = /^h\/([^/]+)\/(u|d)$/.exec(topic);
      if (m === null) return;
      const [, device, way] = m as unknown as [string, string, "u" | "d"];
      pending.push(show(device, way, payload));
    },
  });
  const show = async (device: string, way: "u" | "d", payload: Uint8Array): Promise<void> => {
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      print(device, way, { type: "malformed", why: (error as Error).message, bytes: payload.length }, values.json === true);
      return;
    }
    if (message.type === "hello") modelOf.set(device, byModelId.get(message.model) ?? (await specFor(device)));
    const spec = await specFor(device);
    print(device, way, named(device, message, spec, invoked), values.json === true);
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new UsageError(`no MQTT broker answered at ${login.shown} within 10 s: is it running, and is the URL right?`)), 10_000)));
  try {
    await Promise.race([connected, failed, timeout]);
  } catch (error) {
    await transport.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  console.error(`watching ${only ?? "every device"} on ${login.shown} (Ctrl-C stops)`); // on stderr: --json's lines stay JSON
  await Promise.race([new Promise<void>((resolve) => process.once("SIGINT", resolve).once("SIGTERM", resolve)), failed]).finally(() => transport.stop());
  await Promise.all(pending);
  return 0;
}

/** A message with its members by name, values converted from the wire (a stepped number in its unit, an enum by name). */
function named(device: string, m: Message, spec: ModelSpec | undefined, invoked: Map<string, number>): Record<string, unknown> {
  const { seq, ...body } = m;
  const out: Record<string, unknown> = { ...body, seq };
  const units: Record<string, string> = {};
  const members = (fields: Fields | undefined, wire: WireMembers): Record<string, string | number | boolean> => {
    const o: Record<string, string | number | boolean> = {};
    for (const [id, value] of wire) {
      const found = fields === undefined ? undefined : Object.entries(fields).find(([, f]) => f.id === id);
      if (found === undefined) {
        o[`#${id}`] = value;
        continue;
      }
      const [name, f] = found;
      const unit = "unit" in f ? f.unit : undefined;
      if (unit !== undefined) units[name] = unit;
      const v = valueFromWire(f, value);
      o[name] = "value" in v ? (v.value as string | number | boolean) : value;
    }
    return o;
  };
  const action = (id: number): [string, ModelSpec["actions"][string]] | undefined => (spec === undefined ? undefined : Object.entries(spec.actions).find(([, a]) => a.id === id));
  const withUnits = (o: Record<string, unknown>): Record<string, unknown> => (Object.keys(units).length === 0 ? o : { ...o, units });
  switch (m.type) {
    case "report":
      return withUnits({ ...out, values: members(spec?.properties, m.values) });
    case "set":
      return withUnits({ ...out, values: members(spec?.properties, m.values) });
    case "invoke": {
      invoked.set(`${device}/${m.id}`, m.action);
      const a = action(m.action);
      return withUnits({ ...out, action: a?.[0] ?? m.action, params: members(a?.[1].params, m.params) });
    }
    case "result": {
      const a = action(invoked.get(`${device}/${m.id}`) ?? -1);
      return withUnits({ ...out, ...(a === undefined ? {} : { action: a[0] }), result: members(a?.[1].result, m.result) });
    }
    case "event": {
      const e = spec === undefined ? undefined : Object.entries(spec.events).find(([, ev]) => ev.id === m.event);
      return withUnits({ ...out, event: e?.[0] ?? m.event, fields: members(e?.[1].fields, m.fields) });
    }
    case "error": {
      const property = m.member === null || spec === undefined ? undefined : Object.entries(spec.properties).find(([, p]) => p.id === m.member)?.[0];
      return { ...out, code: errorCodeName(m.code) ?? m.code, ...(property === undefined ? {} : { member: property }) };
    }
    case "otaChunk":
      return { ...out, data: `${m.data.length} bytes` };
    case "otaOffer":
      return { ...out, sha256: Buffer.from(m.sha256).toString("hex").slice(0, 16) };
    case "hello":
      return { ...out, modelHash: Buffer.from(m.modelHash).toString("hex") };
    default:
      return out;
  }
}

function print(device: string, way: "u" | "d", frame: Record<string, unknown>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ at: new Date().toISOString(), device, direction: way === "u" ? "up" : "down", ...frame }));
    return;
  }
  const { type, seq, units, ...rest } = frame as { type: string; seq: number; units?: Record<string, string> };
  const parts = Object.entries(rest).map(([k, v]) =>
    typeof v === "object" && v !== null ? Object.entries(v).map(([n, x]) => `${n}=${JSON.stringify(x)}${unitOf({ ...(units?.[n] === undefined ? {} : { unit: units[n] }) })}`).join(" ") || `${k}={}` : `${k}=${JSON.stringify(v)}`,
  );
  console.log(`${new Date().toISOString().slice(11, 23)} ${device} ${way === "u" ? "→ cloud " : "← cloud "} ${String(type).padEnd(8)} #${String(seq)} ${parts.join(" ")}`);
}
