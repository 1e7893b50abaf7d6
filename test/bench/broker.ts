import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker } from "../../sdk/desk/node/mqtt/broker.js";
import { freePort, mosquittoBinary, OwnMosquitto } from "../support/mosquitto.js";

/** Mosquitto on loopback when the machine has it, else the embedded broker; named for the table. */
export async function benchBroker(extraConf = ""): Promise<{ url: string; name: string; stop(): Promise<void> }> {
  const binary = mosquittoBinary();
  if (binary === undefined) {
    const broker = await startBroker({ port: 0 });
    return { url: broker.url, name: "embedded Aedes (no Mosquitto here)", stop: () => broker.close() };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  writeFileSync(join(dir, "m.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n${extraConf}`, { mode: 0o644 });
  const own = new OwnMosquitto(binary, join(dir, "m.conf"), port);
  await own.start();
  return { url: `mqtt://127.0.0.1:${port}`, name: "Mosquitto", stop: () => own.kill() };
}
