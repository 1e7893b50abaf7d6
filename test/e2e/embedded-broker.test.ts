import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { tryConnect } from "../support/mqtt-client.js";

const cli = fileURLToPath(new URL("../../dist/sdk/desk/node/cli/main.js", import.meta.url));

/** `hearth sim aircon` as a user starts it, until it printed its broker lines. */
async function sim(extra: string[] = []): Promise<{ child: ChildProcess; url: string; backend: string; out: () => string }> {
  const child = spawn(process.execPath, [cli, "sim", "aircon", "--port", "0", "--no-console", "--speed", "60", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const end = Date.now() + 20_000;
  while (!/device {2}sim-aircon-1/.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  const url = /broker {2}(mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  const backend = /backend (mqtt:\/\/\S+)/.exec(out)?.[1];
  if (url === undefined || backend === undefined) throw new Error(`hearth sim did not print its broker lines:\n${out}`);
  return { child, url, backend, out: () => out };
}


/** Collects what a client receives on `topic` for `ms`. */
async function listen(client: MqttClient, topic: string, ms: number): Promise<string[]> {
  const got: string[] = [];
  client.on("message", (t) => got.push(t));
  await client.subscribeAsync(topic, { qos: 1 });
  await new Promise((r) => setTimeout(r, ms));
  return got;
}

describe("hearth sim's embedded broker lets in only who belongs", () => {
  const running: ChildProcess[] = [];
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    for (const p of running.splice(0)) {
      p.kill("SIGINT");
      await new Promise((r) => p.once("close", r));
    }
  });

  it("by default: anonymous clients, wrong credentials and a stolen device id are refused; the cloud's login works", async () => {
    const s = await sim();
    running.push(s.child);
    expect(s.out()).toMatch(/anonymous clients are refused; run with --open/);
    expect((await tryConnect(s.url)).refused).toMatch(/Bad username or password|Not authorized/i);
    expect((await tryConnect(s.url, { clientId: "sim-aircon-1" })).refused).toBeDefined(); // taking the device's id, anonymously
    expect((await tryConnect(s.url, { clientId: "sim-aircon-1", username: "sim-aircon-1", password: "v1.0.00" })).refused).toBeDefined();
    expect((await tryConnect(s.url, { username: "hearth", password: "guess" })).refused).toBeDefined();
    // The device is still there and still talks: the cloud's login sees its reports.
    const cloud = await tryConnect(s.backend, { clientId: "watcher-test" });
    expect(cloud.refused).toBeUndefined();
    clients.push(cloud.client as MqttClient);
    expect(await listen(cloud.client as MqttClient, "h/+/u", 3_000)).toContain("h/sim-aircon-1/u");
  });

  it("with --open: anonymous clients may watch every topic, read-only", async () => {
    const s = await sim(["--open"]);
    running.push(s.child);
    expect(s.out()).toMatch(/mosquitto_sub -L 'mqtt:\/\/127\.0\.0\.1:\d+\/h\/#' -v \(anonymous clients may watch, read-only: --open\)/);
    const watcher = await tryConnect(s.url);
    expect(watcher.refused).toBeUndefined();
    clients.push(watcher.client as MqttClient);
    expect(await listen(watcher.client as MqttClient, "h/#", 3_000)).toContain("h/sim-aircon-1/u");
    // A watcher that publishes (a forged set, a forged offline) is refused; the cloud never sees it.
    const cloud = await tryConnect(s.backend);
    clients.push(cloud.client as MqttClient);
    const FORGED = Buffer.from([0x83, 0x02, 0x19, 0x30, 0x39, 0x82, 0x19, 0x30, 0x39, 0xa0]); // a set, seq 12345, version 12345
    const forged: Buffer[] = [];
    cloud.client?.on("message", (_, payload) => {
      if (payload.equals(FORGED)) forged.push(payload);
    });
    await cloud.client?.subscribeAsync(["h/sim-aircon-1/d", "h/sim-aircon-1/u"], { qos: 1 });
    const spy = await tryConnect(s.url);
    clients.push(spy.client as MqttClient);
    spy.client?.publish("h/sim-aircon-1/d", FORGED, { qos: 0 });
    spy.client?.publish("h/sim-aircon-1/u", FORGED, { qos: 0 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(forged).toEqual([]);
    // Nor may a watcher take the device's client id.
    expect((await tryConnect(s.url, { clientId: "sim-aircon-1" })).refused).toBeDefined();
  });
});
