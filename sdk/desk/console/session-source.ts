import type { VirtualClock } from "../../../os/virtual-clock.js";
import type { Cloud } from "../../cloud/cloud.js";
import { HearthError } from "../../thing/errors.js";
import { describeValues, labelOf, type Language } from "../../thing/presentation.js";
import type { SessionAppliance } from "../sim/session-appliance.js";
import type { MatterPairing, StatePush, StoryLine } from "./api.js";
import { sessionHistory, type HistorySource } from "./history.js";
import { ConsoleError, messageOf, objectField, stringField, type ConsoleSource } from "./source.js";

export interface SessionSourceOptions {
  appliances: readonly SessionAppliance[];
  /** The cloud the console speaks through: its connection is shown. */
  cloud: Cloud;
  clock: VirtualClock;
  /** Restarts the embedded broker; undefined with an outside broker (the console cannot restart that). */
  restartBroker: (() => Promise<void>) | undefined;
  /** Where the charts' history comes from: default the session's own samples. */
  history?: HistorySource;
  /** The session's Matter bridge, once it is up (hearth sim --matter): its pairing is shown on the page. */
  matter?: () => MatterPairing | undefined;
}

/** The longest power cut the console makes: a board comes back by itself within it. */
const MAX_OFF_MS = 10 * 60_000;

/**
 * A simulator session as the console's source: every simulated appliance,
 * acted on through the session's cloud library (sets and actions go over the
 * broker, as a backend's would) and through the simulator (power, network,
 * sensors, the front panel's keys, what a hand does).
 */
export function sessionSource(o: SessionSourceOptions): ConsoleSource {
  const byId = new Map(o.appliances.map((a) => [a.id, a]));
  const history = o.history ?? sessionHistory(o.appliances);
  return {
    info: () => ({ kind: "simulator" }),
    appliances: (points) =>
      Promise.all(o.appliances.map(async (a) => ({ ...a.view(), desired: null, model: a.app.model.spec, samples: await history.samples(a.id, { points }), story: a.story, floorPlan: a.board.plant.floorPlan ?? null }))),
    state: (): StatePush => ({
      at: Math.round(o.clock.now()),
      source: { kind: "simulator" },
      brokerRestartable: o.restartBroker !== undefined,
      cloudConnected: o.cloud.connected,
      matter: o.matter?.() ?? null,
      appliances: o.appliances.map((a) => ({ ...a.view(), desired: null, sample: a.samples.at(-1) })),
    }),
    has: (id) => byId.has(id),
    history,
    onStory: (listener) => {
      const offs = o.appliances.map((a) => a.onStory((line) => listener({ id: a.id, ...line } satisfies StoryLine)));
      return () => offs.forEach((off) => off());
    },
    act: async (id, what, body) => {
      const appliance = byId.get(id);
      if (appliance === undefined) throw new ConsoleError(404, `no appliance called ${JSON.stringify(id)}`);
      return act(appliance, what, body);
    },
    restartBroker:
      o.restartBroker === undefined
        ? undefined
        : async () => {
            for (const a of o.appliances) a.tell("fault", "broker restarting");
            await (o.restartBroker as () => Promise<void>)();
          },
    close: async () => undefined,
  };
}

async function act(a: SessionAppliance, what: string, body: Record<string, unknown>): Promise<unknown> {
  const model = a.app.model.spec;
  try {
    switch (what) {
      case "set": {
        const values = objectField(body["values"], "values");
        a.say("event", (lang) => `${lang === "zh" ? "控制台设置" : "console sets"} ${describeValues(model.properties, values, lang)}`);
        await a.cloudDevice.set(values as never, { timeoutMs: 30_000 });
        return {};
      }
      case "invoke": {
        const action = stringField(body["action"], "action");
        const params = objectField(body["params"] ?? {}, "params");
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
        if (failure !== null && failure !== "open" && failure !== "short") throw new ConsoleError(400, "failure must be \"open\", \"short\" or null (mended)");
        a.failSensor(stringField(body["name"], "name"), failure ?? undefined);
        return {};
      }
      case "hand":
        return { happened: a.byHand(stringField(body["name"], "name")) };
      case "key": {
        const key = body["key"];
        const holdMs = body["holdMs"] ?? 120;
        if (typeof key !== "number" || typeof holdMs !== "number") throw new ConsoleError(400, "key takes { key: a key's number, holdMs?: how long it is held (ms) }");
        a.pressKey(key, holdMs);
        return {};
      }
      default:
        throw new ConsoleError(404, `no action ${what}`);
    }
  } catch (error) {
    if (error instanceof ConsoleError) throw error;
    // The device (or the cloud library) refused: the page shows why, and nothing changed.
    a.say("event", (lang) => `${lang === "zh" ? "被拒绝" : "refused"}: ${messageOf(error)}`);
    throw new ConsoleError(error instanceof HearthError || error instanceof RangeError ? 400 : 504, messageOf(error));
  }
}

function offMs(value: unknown): number {
  if (value === undefined) return 3000;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_OFF_MS) {
    throw new ConsoleError(400, `offMs must be a number of ms from 0 to ${MAX_OFF_MS} (10 minutes), got ${JSON.stringify(value)}`);
  }
  return value;
}
