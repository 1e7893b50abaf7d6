import mqtt from "mqtt";
import { airconModel } from "../../examples/aircon/model.js";
import { PacedClock } from "../../os/node/host-clock.js";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { decodeMessage, encodeMessage, type Message } from "../../sdk/protocol/envelope.js";
import { membersToWire } from "../../sdk/protocol/members.js";
import { checkValues } from "../../sdk/thing/validate.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { counterApp, counterModel } from "../support/counter-app.js";
import { benchBroker } from "./broker.js";
import { opsPerSecond, report } from "./table.js";

const props = airconModel.spec.properties;
const seq = 1024;
const alinkBytes = (o: unknown): number => new TextEncoder().encode(JSON.stringify(o)).length;

/** Each message type as Hearth sends it, beside what Alibaba's Alink JSON sends for the same. */
function messageSizes(): Record<string, number> {
  const state = { power: true, mode: "cool", target: 24.5, room: 27.3, fan: 2 } as const;
  const report5 = membersToWire(props, checkValues(props, state, "property", false));
  const pairs: [string, Message, unknown][] = [
    ["report", { type: "report", seq, values: report5 }, { id: "1024", version: "1.0", params: { PowerSwitch: 1, WorkMode: 0, TargetTemperature: 24.5, CurrentTemperature: 27.3, WindSpeed: 2 }, method: "thing.event.property.post" }],
    ["set", { type: "set", seq, version: 7, values: membersToWire(props, checkValues(props, { target: 22.5 }, "property", false)) }, { id: "1024", version: "1.0", params: { TargetTemperature: 22.5 }, method: "thing.service.property.set" }],
    ["ack", { type: "ack", seq, ref: 1023 }, { id: "1024", code: 200, data: {} }],
    ["invoke", { type: "invoke", seq, action: 1, params: new Map([[1, 5]]), id: 77, deadline: 1_800_000_000_000 }, { id: "1024", version: "1.0", params: { DryMinutes: 5 }, method: "thing.service.SelfClean" }],
    ["result", { type: "result", seq, id: 77, result: new Map([[1, 75], [2, -52]]) }, { id: "1024", code: 200, data: { Minutes: 7.5, CoilMinC: -5.2 } }],
    ["event", { type: "event", seq, event: 1, fields: new Map([[1, 281], [2, 48], [3, 30]]), level: 2 }, { id: "1024", version: "1.0", params: { value: { Room: 28.1, Target: 24, Minutes: 30 }, time: 1_800_000_000_000 }, method: "thing.event.TargetNotReached.post" }],
    ["error", { type: "error", seq, ref: 1023, code: 6, member: 3, detail: "" }, { id: "1024", code: 460, message: "request parameter error", data: {} }],
    ["hello", { type: "hello", seq, firmware: "1.0.0", model: "hearth.aircon", modelHash: new Uint8Array(8), resetReason: 0, bootCount: 12, desiredVersion: 7 }, { id: "1024", version: "1.0", params: { "attrKey": "FirmwareVersion", "attrValue": "1.0.0" }, method: "thing.deviceinfo.update" }],
    ["time", { type: "time", seq, t1: 123_456 }, { id: "1024", version: "1.0", params: { deviceSendTime: "1571724098000" }, method: "thing.ntp.request" }],
  ];
  const out: Record<string, number> = {};
  for (const [name, hearth, alink] of pairs) {
    out[`${name}_bytes`] = encodeMessage(hearth).length;
    out[`${name}_alink_bytes`] = alinkBytes(alink);
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Round trips of a command through the broker: Hearth's invoke, and a bare
 * MQTT.js request/response. Both warm up first, then run in alternating blocks,
 * so neither pays for the other's JIT warm-up or a noisy moment alone.
 */
async function roundTrips(url: string, count: number): Promise<{ hearth: number[]; raw: number[] }> {
  // The device on real time: it handles a command as soon as it arrives.
  const clock = new PacedClock(1, 1);
  const sim = new HostEngineBoard(counterApp, { clock });
  clock.start();
  sim.connect(() => new MqttTransport({ url, clientId: "bench-dev" }), "bench-dev");
  const cloud = new Cloud(new MqttTransport({ url, clientId: "bench-cloud" }), [counterModel]);
  await cloud.start();
  const device = cloud.device("bench-dev", counterModel);
  await device.waitFor((s) => s.n !== undefined, 10_000); // the device is up and subscribed

  const responder = await mqtt.connectAsync(url, { clientId: "raw-responder" });
  const requester = await mqtt.connectAsync(url, { clientId: "raw-requester" });
  for (const c of [responder, requester]) (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  await responder.subscribeAsync("raw/req", { qos: 1 });
  await requester.subscribeAsync("raw/res", { qos: 1 });
  responder.on("message", (_t, payload) => void responder.publish("raw/res", payload, { qos: 1 }));

  const hearthOnce = async (i: number): Promise<number> => {
    const start = performance.now();
    await device.invoke("echo", { x: i }, { timeoutMs: 5000 });
    return performance.now() - start;
  };
  const rawOnce = async (i: number): Promise<number> => {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      requester.once("message", () => resolve());
      requester.publish("raw/req", Buffer.from([i & 0xff]), { qos: 1 });
    });
    return performance.now() - start;
  };
  for (let i = 0; i < 200; i++) {
    await hearthOnce(i);
    await rawOnce(i);
  }
  const hearth: number[] = [];
  const raw: number[] = [];
  for (let block = 0; block < count / 100; block++) {
    for (let i = 0; i < 100; i++) hearth.push(await hearthOnce(i));
    for (let i = 0; i < 100; i++) raw.push(await rawOnce(i));
  }
  clock.stop();
  await sim.link?.stop();
  await cloud.stop();
  await responder.endAsync();
  await requester.endAsync();
  return { hearth: hearth.sort((a, b) => a - b), raw: raw.sort((a, b) => a - b) };
}

export async function linkBench(): Promise<void> {
  const values = membersToWire(props, checkValues(props, { power: true, mode: "cool", target: 24.5, room: 27.3, fan: 2 }, "property", false));
  const alink = { id: "1024", version: "1.0", params: { PowerSwitch: 1, WorkMode: 0, TargetTemperature: 24.5, CurrentTemperature: 27.3, WindSpeed: 2 }, method: "thing.event.property.post" };
  const codec = opsPerSecond(() => decodeMessage(encodeMessage({ type: "report", seq, values })));
  const json = opsPerSecond(() => JSON.parse(JSON.stringify(alink)));
  const sizes = messageSizes();

  const broker = await benchBroker();
  const { url } = broker;
  const brokerName = broker.name;
  const stop = () => broker.stop();
  const rtt = await roundTrips(url, 500);
  await stop();

  report(
    "link",
    {
      hearth_report_bytes: sizes["report_bytes"] as number,
      alink_report_bytes: sizes["report_alink_bytes"] as number,
      ...sizes,
      codec_ops_per_s: Math.round(codec),
      alink_json_ops_per_s: Math.round(json),
      codec_over_json: Number((codec / json).toFixed(2)),
      rtt_p50_ms: Number(percentile(rtt.hearth, 50).toFixed(3)),
      rtt_p99_ms: Number(percentile(rtt.hearth, 99).toFixed(3)),
      raw_mqtt_rtt_p50_ms: Number(percentile(rtt.raw, 50).toFixed(3)),
      rtt_over_raw: Number((percentile(rtt.hearth, 50) / percentile(rtt.raw, 50)).toFixed(2)),
    },
    {
      hearth_report_bytes: "5-property report, seq 1024; goal <= 20",
      codec_over_json: "encode + decode of the report vs JSON; goal >= 2",
      rtt_p50_ms: `a command through ${brokerName}, 500 round trips`,
      rtt_over_raw: "goal <= 1.25",
    },
  );
}
