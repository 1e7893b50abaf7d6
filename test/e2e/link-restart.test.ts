import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PacedClock } from "../../os/node/host-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import type { Message } from "../../sdk/protocol/envelope.js";
import { decodeMessage } from "../../sdk/protocol/envelope.js";
import { startBroker } from "../../sdk/desk/node/mqtt/broker.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { outsideBroker, uniqueId } from "../support/brokers.js";
import { app } from "../../examples/aircon/app.js";
import { airconModel } from "../../examples/aircon/model.js";
import { freePort, mosquittoBinary, OwnMosquitto } from "../support/mosquitto.js";

const SPEED = 10; // a report every simulated second is one every 100 ms of real time

/**
 * The air conditioner reports every second and the cloud sends a command
 * every few seconds while the broker goes away under them; afterwards the cloud has
 * seen every report sequence number exactly once, and every command was
 * answered once or timed out to its caller.
 */
async function survive(url: string, breakBroker: () => Promise<void>): Promise<void> {
  const clock = new PacedClock(SPEED);
  const sim = new HostEngineBoard(app, { clock });
  const deviceId = uniqueId("restart");
  const sent: Message[] = [];
  const fast = { baseMs: 300, capMs: 2000, stableMs: 2000 };
  sim.connect(() => {
    const t = new MqttTransport({ url, clientId: deviceId, reconnect: fast });
    const publish = t.publish.bind(t);
    t.publish = (topic, payload) => {
      sent.push(decodeMessage(payload));
      publish(topic, payload);
    };
    return t;
  }, deviceId, { fullReportEveryMs: 1000 });
  const epoch = Date.now();
  const cloud = new Cloud(new MqttTransport({ url, clientId: uniqueId("restart-cloud"), reconnect: fast }), [airconModel], () => epoch + clock.now());
  const seen: Message[] = [];
  cloud.onUplink((id, m) => id === deviceId && seen.push(m));
  await cloud.start();
  clock.start();
  const device = cloud.device(deviceId, airconModel);
  const outcomes: ("answered" | "timeout")[] = [];
  let runs = 0;
  sim.device.observe({ changed: (names) => void (names.includes("cleaning") && sim.device.get("cleaning") && runs++) });
  const commands: Promise<void>[] = [];
  const sender = setInterval(() => {
    commands.push(
      // selfClean: a result when it finishes, "busy" while one runs; both are answers.
      device.invoke("selfClean", { dryMinutes: 1 }, { timeoutMs: 1500, deadlineMs: 60_000 }).then(
        () => void outcomes.push("answered"),
        (e: { code?: string }) => {
          if (e.code === "timeout") outcomes.push("timeout");
          else if (e.code === "busy") outcomes.push("answered");
          else throw e;
        },
      ),
    );
  }, 300);
  try {
    await new Promise((r) => setTimeout(r, 1500));
    await breakBroker();
    await new Promise((r) => setTimeout(r, 1500));
    await breakBroker();
    await new Promise((r) => setTimeout(r, 4000)); // let the queue drain
  } finally {
    clearInterval(sender);
  }
  await Promise.all(commands);
  clock.limit = clock.now(); // no more reports; what is in flight lands
  await new Promise((r) => setTimeout(r, 1000));
  expect(sim.link?.outbox.size).toBe(0); // the cloud acknowledged everything
  clock.stop();
  await sim.link?.stop();
  await cloud.stop();

  const reportSeqs = new Set(sent.filter((m) => m.type === "report").map((m) => m.seq));
  const delivered = seen.filter((m) => m.type === "report").map((m) => m.seq);
  expect(reportSeqs.size).toBeGreaterThan(40);
  expect(delivered.length).toBe(new Set(delivered).size);
  expect(new Set(delivered)).toEqual(reportSeqs);
  expect(outcomes.length).toBe(commands.length);
  expect(outcomes.filter((o) => o === "answered").length).toBeGreaterThan(5);
  // Each caller got one outcome; a clean started at most once per command.
  expect(runs).toBeGreaterThan(0);
  expect(runs).toBeLessThanOrEqual(commands.length);
}

describe("broker restarts under a reporting appliance", () => {
  it("embedded broker: every connection dropped, twice", async () => {
    const broker = await startBroker({ port: 0 });
    try {
      await survive(broker.url, async () => broker.dropAll());
    } finally {
      await broker.close();
    }
  }, 60_000);

  const mosquitto = outsideBroker() === undefined ? undefined : mosquittoBinary();
  it.skipIf(mosquitto === undefined)("Mosquitto: killed and restarted, twice", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "hearth-restart-"));
    writeFileSync(join(dir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`, { mode: 0o644 });
    const own = new OwnMosquitto(mosquitto as string, join(dir, "mosquitto.conf"), port);
    await own.start();
    try {
      await survive(`mqtt://127.0.0.1:${port}`, async () => {
        await own.kill();
        await new Promise((r) => setTimeout(r, 500));
        await own.start();
      });
    } finally {
      await own.kill();
    }
  }, 60_000);
});
