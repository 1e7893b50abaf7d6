import { startBroker, type EmbeddedBroker } from "../../sdk/desk/node/mqtt/broker.js";

export interface TestBroker {
  name: string;
  url(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The embedded Aedes broker on a free loopback port. */
export function embeddedBroker(): TestBroker {
  let broker: EmbeddedBroker | undefined;
  return {
    name: "embedded Aedes",
    url: () => {
      if (broker === undefined) throw new Error("broker not started");
      return broker.url;
    },
    start: async () => {
      broker = await startBroker({ port: 0 });
    },
    stop: async () => {
      await broker?.close();
    },
  };
}

/**
 * The outside broker `.ci/run` starts (Mosquitto) at HEARTH_TEST_MQTT_URL.
 * In CI its absence is an error, never a silent skip; on a desk the suite
 * says it skipped and why.
 */
export function outsideBroker(): TestBroker | undefined {
  const url = process.env["HEARTH_TEST_MQTT_URL"];
  if (url === undefined || url === "") {
    if (process.env["CI"]) throw new Error("HEARTH_TEST_MQTT_URL is not set in CI: .ci/run must start Mosquitto");
    console.warn("HEARTH_TEST_MQTT_URL is not set: skipping the tests against an outside broker (Mosquitto)");
    return undefined;
  }
  return { name: `outside broker ${url}`, url: () => url, start: async () => undefined, stop: async () => undefined };
}

/** A device id no other run on a shared broker uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}
