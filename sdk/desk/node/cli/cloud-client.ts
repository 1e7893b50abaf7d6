import { randomBytes } from "node:crypto";
import type { ApplianceApp } from "../../sim/app.js";
import { Cloud } from "../../../cloud/cloud.js";
import type { AnyModel, ModelSpec } from "../../../thing/model.js";
import { HearthError } from "../../../thing/errors.js";
import { maskedUrl } from "../host/broker-wait.js";
import { LoginRefusedError, MqttTransport } from "../mqtt/transport.js";
import { closest, type OptionValues } from "./commands.js";
import { BOARD_APPS } from "./firmware.js";
import { EXAMPLES, loadApp } from "./load-app.js";
import { brokerOption, deviceIdOption, durationOption, fileOption, UsageError } from "./options.js";

/** How `hearth get|set|invoke|watch` reach the devices: the broker, with a backend login (in the URL or --cloud-user). */
export interface BrokerLogin {
  url: string;
  shown: string;
  transport: (clientPrefix: string, onRefused: (error: LoginRefusedError) => void) => MqttTransport;
}

export function brokerLogin(values: OptionValues): BrokerLogin {
  const url = brokerOption(values.broker ?? "mqtt://127.0.0.1:1883");
  const shown = maskedUrl(url);
  const user = values["cloud-user"] ?? (decodeURIComponent(new URL(url).username) || undefined);
  const ca = values.ca === undefined ? undefined : fileOption("--ca", values.ca).toString("utf8");
  return {
    url,
    shown,
    transport: (prefix, onRefused) =>
      new MqttTransport({
        url,
        clientId: `${prefix}-${randomBytes(6).toString("hex")}`,
        ...(ca === undefined ? {} : { ca }),
        ...(values["cloud-user"] === undefined ? {} : { username: values["cloud-user"], password: values["cloud-password"] ?? "" }),
        onRefused: (reason) => onRefused(new LoginRefusedError(`the broker at ${shown} refused the login (${user === undefined ? "no user name: give one, mqtt://USER:PASSWORD@HOST:PORT, as hearth sim prints it" : `user ${JSON.stringify(user)}`}): ${reason}`)),
      }),
  };
}

/** Starts a cloud on the broker: refused, or not answering in 10 s, is an error naming it. */
export async function startCloud(login: BrokerLogin, models: AnyModel[], options: { observer?: boolean } = {}): Promise<Cloud> {
  let refused!: (error: Error) => void;
  const refusal = new Promise<never>((_, reject) => (refused = reject));
  const cloud = new Cloud(login.transport("hearth-cli", (e) => refused(e)), models, Date.now, options);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new UsageError(`no MQTT broker answered at ${login.shown} within 10 s: is it running, and is the URL right?`)), 10_000)));
  try {
    await Promise.race([cloud.start(), refusal, timeout]);
  } catch (error) {
    await cloud.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return cloud;
}

/** The app a device runs, by --app, or by its id as hearth sim and hearth board name them (sim-aircon-1, aircon-indoor-1). */
export async function appOf(deviceId: string, values: OptionValues): Promise<ApplianceApp<ModelSpec>> {
  if (values.app !== undefined) return loadApp(values.app);
  const sim = /^sim-([a-z]+)-\d+$/.exec(deviceId)?.[1];
  if (sim !== undefined && EXAMPLES.includes(sim)) return loadApp(sim);
  const board = Object.keys(BOARD_APPS).find((b) => deviceId.startsWith(`${b}-`));
  if (board !== undefined) return loadApp(BOARD_APPS[board] as string);
  throw new UsageError(`which appliance is ${deviceId}? say --app APP (an example, or your app.ts)`);
}

/** NAME=VALUE: the value as JSON (22, true, "x"), or as text when it is not JSON (cool). */
function assignments(args: string[], what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const at = arg.indexOf("=");
    if (at <= 0) throw new UsageError(`${JSON.stringify(arg)} is not NAME=VALUE (a ${what} and its value)`);
    const text = arg.slice(at + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    out[arg.slice(0, at)] = value;
  }
  return out;
}

/** `hearth get|set|invoke DEVICE ...` through the cloud library. */
export async function deviceCommand(command: "get" | "set" | "invoke", rest: string[], values: OptionValues): Promise<number> {
  const [id, ...args] = rest;
  if (id === undefined) throw new UsageError(`try ${commandUsage(command)}`);
  const deviceId = deviceIdOption("device", id);
  const app = await appOf(deviceId, values);
  const spec = app.model.spec;
  const wait = values.wait === undefined ? 10_000 : durationOption(values.wait, "wait");
  // What is asked for is checked against the model before anything is sent.
  const named = command === "get" ? args : command === "set" ? args.map((a) => a.split("=")[0] as string) : [];
  for (const name of named) {
    if (spec.properties[name] !== undefined) continue;
    const near = closest(name, Object.keys(spec.properties));
    throw new UsageError(`${app.name} has no property ${name}${near === undefined ? ` (it has: ${Object.keys(spec.properties).join(", ")})` : `; did you mean ${near}?`}`);
  }
  if (command === "set" && args.length === 0) throw new UsageError(`try ${commandUsage(command)}`);
  if (command === "invoke" && (args[0] === undefined || spec.actions[args[0]] === undefined)) throw new UsageError(`${args[0] === undefined ? "name an action" : `${app.name} has no action ${args[0]}`} (it has: ${Object.keys(spec.actions).join(", ")})`);
  const login = brokerLogin(values);
  // A tool beside the backend's own cloud: it answers no uplink (the backend's cloud does), so the device
  // is neither acked twice nor sent back to say hello (no-session) by a cloud that never heard its hello.
  const cloud = await startCloud(login, [], { observer: true });
  const device = cloud.device(deviceId, app.model);
  try {
    if (command === "get") {
      const names = args.length > 0 ? args : Object.keys(spec.properties);
      const state = (await device.waitFor((s) => names.every((n) => n in s), wait).catch(() => {
        throw new UsageError(`${deviceId} did not report ${args.length > 0 ? names.join(", ") : "its state"} within ${wait / 1000} s: is it online, and is the id right?`);
      })) as Record<string, unknown>;
      const picked = Object.fromEntries(names.map((n) => [n, state[n]]));
      if (values.json === true) console.log(JSON.stringify(picked));
      else for (const [name, value] of Object.entries(picked)) console.log(`${name} ${JSON.stringify(value)}${unitOf(spec.properties[name])}`);
    } else if (command === "set") {
      const wanted = assignments(args, "property");
      await device.set(wanted as never, { timeoutMs: wait });
      console.log(`${deviceId}: set ${Object.entries(wanted).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(" ")}: acknowledged`);
    } else {
      const [action, ...params] = args as [string, ...string[]];
      // A day's deadline: a simulation faster than real time keeps a clock ahead of this one, and a person is waiting anyway.
      const result = await device.invoke(action as never, assignments(params, "parameter") as never, { timeoutMs: wait, deadlineMs: 86_400_000 });
      console.log(JSON.stringify(result));
    }
    return 0;
  } catch (error) {
    if (error instanceof HearthError) {
      // The model's checks (before sending) and the device's refusals both name the member at fault.
      const offline = error.code === "timeout";
      throw new UsageError(offline ? `${deviceId} did not answer within ${wait / 1000} s: is it online, and is the id right?` : `${deviceId}: ${error.code}${error.member === undefined || error.member === null ? "" : ` (${error.member})`}: ${error.message}`);
    }
    throw error;
  } finally {
    await cloud.stop();
  }
}

function commandUsage(command: string): string {
  return { get: "hearth get DEVICE [PROPERTY...]", set: "hearth set DEVICE NAME=VALUE...", invoke: "hearth invoke DEVICE ACTION [NAME=VALUE...]" }[command] as string;
}

export function unitOf(spec: object | undefined): string {
  const unit = spec !== undefined && "unit" in spec ? spec.unit : undefined;
  return typeof unit === "string" ? ` ${unit}` : "";
}
