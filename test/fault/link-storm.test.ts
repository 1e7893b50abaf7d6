import { describe, expect, it } from "vitest";
import { startBroker } from "../../sdk/desk/node/mqtt/broker.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";

const DEVICES = 1000;

describe("reconnect storm", () => {
  it("1,000 devices reconnecting after a broker restart spread their attempts", async () => {
    let broker = await startBroker({ port: 0 });
    const port = broker.port;
    const transports: MqttTransport[] = [];
    const upTimes: number[][] = Array.from({ length: DEVICES }, () => []);
    try {
      await Promise.all(
        Array.from({ length: DEVICES }, (_, i) => {
          const t = new MqttTransport({ url: broker.url, clientId: `storm-${i}`, reconnect: { baseMs: 4000 } });
          transports.push(t);
          return new Promise<void>((resolve) =>
            t.start({
              up: () => {
                (upTimes[i] as number[]).push(Date.now());
                resolve();
              },
              down: () => undefined,
              message: () => undefined,
            }),
          );
        }),
      );
      const restartedAt = Date.now();
      await broker.close();
      broker = await startBroker({ port });
      const deadline = Date.now() + 30_000;
      while (upTimes.some((u) => u.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const back = upTimes.map((u) => u[1]).filter((t): t is number => t !== undefined);
      expect(back.length).toBe(DEVICES); // every one came back
      // Connections per second, in 1-second windows after the restart.
      const perSecond = new Map<number, number>();
      for (const t of back) {
        const s = Math.floor((t - restartedAt) / 1000);
        perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
      }
      const peak = Math.max(...perSecond.values());
      console.log(`storm: ${DEVICES} back within ${Math.max(...back) - restartedAt} ms, peak ${peak} per second`);
      expect(peak).toBeLessThan(DEVICES / 2);
    } finally {
      await Promise.all(transports.map((t) => t.stop()));
      await broker.close();
    }
  }, 60_000);
});
