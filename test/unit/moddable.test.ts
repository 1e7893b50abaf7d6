import { transformSync } from "esbuild";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_BOARDS, type DevBoard } from "../../boards/dev/index.js";
import { decodeCbor } from "../../os/cbor.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { HEARTH_LAYOUT, HEARTH_PARTITION, writeModdableProject, type Provisioning } from "../../sdk/desk/node/tools/moddable.js";
import { sht3xCrc } from "../../sdk/device/drivers/sht3x.js";
import { encodeMessage } from "../../sdk/protocol/envelope.js";
import { membersToWire } from "../../sdk/protocol/members.js";
import { checkValues } from "../../sdk/thing/validate.js";
import { userSettings } from "../../sdk/desk/sim/app.js";
import { loadExample } from "../support/engine-trace.js";
import { FakeEsp32, type FakeMqtt } from "../support/fake-esp32.js";
import { FakeDevBoard } from "../support/moddable-board.js";
import { keys } from "../support/ota.js";

/** Every function of the native binding contract (hal/native.ts), by name. */
const CONTRACT = [
  "boot", "now", "setWake", "digitalOpen", "analogOpen", "pwmOpen", "serialOpen", "zeroCrossOpen", "triacOpen", "triacWrite", "displayOpen", "displayWrite", "touchKeysOpen", "motorOpen", "motorWrite", "i2cOpen", "i2cRead", "i2cWrite", "spiOpen", "spiTransfer", "ioRead", "ioWrite", "ioClose",
  "flashGeometry", "flashRead", "flashProgram", "flashErase", "watchdogStart", "watchdogFeed", "restart", "random",
  "sha256", "ed25519Verify", "mqttStart", "mqttSubscribe", "mqttPublish", "mqttStop", "panic", "log",
];
/** What a Moddable SDK build provides for these imports (and the project's own modules). */
const MODDABLE_MODULES = [
  "embedded:io/digital", "embedded:io/analog", "embedded:io/pwm", "embedded:io/serial", "embedded:io/i2c", "embedded:io/spi", "embedded:storage/flash", "embedded:io/socket/tcp",
  "embedded:io/socket/udp", "embedded:io/socket/tcp/tls", "embedded:network/dns/resolver/udp", "embedded:network/mqtt/client",
  "timer", "time", "system", "Resource", "preference", "crypt", "modules", "mc/config", "hearth-image", "hearth-native", "hearth-network", "hearth-boot", "hearth-ed25519",
];
const DEVKITC = DEV_BOARDS["esp32-devkitc"] as DevBoard;
const PROVISIONING: Provisioning = { deviceId: "dev-1", host: "broker.example", port: 1883, user: "dev-1", password: "v1.0.abc" };

async function project(entry: string, board: DevBoard | undefined, provisioning = PROVISIONING): Promise<{ out: string; files: string[] }> {
  const { image, devWiring } = await buildFirmware({ entry, board: board?.id ?? "aircon-indoor", version: [1, 4, 0], securityCounter: 0, secretKey: keys.secretKey, ...(board === undefined ? {} : { devBoard: board }) });
  const out = mkdtempSync(join(tmpdir(), "hearth-moddable-"));
  return { out, files: (await writeModdableProject(out, image, DEVKITC, devWiring, provisioning, keys.publicKey)).files };
}

/** The project's main.js on a fake ESP32 (test/support/moddable-board.ts), started; returns the chip to drive and the binding main.js made. */
async function runOnEsp32(out: string): Promise<{ esp: FakeEsp32; native: Record<string, (...a: unknown[]) => unknown> }> {
  const board = new FakeDevBoard(out);
  const esp = await board.boot();
  return { esp, native: board.native as Record<string, (...a: unknown[]) => unknown> };
}

describe("hearth build --target moddable", () => {
  it("writes a Moddable project: a manifest with the device's provisioning, a valid partition table, modules that parse and import only Moddable's", async () => {
    const { out, files } = await project("examples/aircon", DEVKITC);
    expect(readdirSync(out).sort()).toEqual([...new Set(files.map((f) => f.split("/")[0]))].sort());
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { build: Record<string, string>; include: string[]; modules: Record<string, string | string[]>; preload: string[]; platforms: Record<string, unknown>; config: { hearth: Record<string, unknown> } };
    expect(manifest.build["PARTITIONS_FILE"]).toBe("./partitions.csv");
    expect(manifest.include).toContain("$(MODDABLE)/modules/io/flash/esp32/manifest.json");
    expect(manifest.include).toContain("$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json");
    expect(manifest.preload).toEqual(["hearth-image", "hearth-native", "hearth-network", "hearth-boot", "hearth-ed25519"]);
    expect(Object.keys(manifest.platforms)).toContain("esp32");
    expect(manifest.config.hearth).toMatchObject({ board: "esp32-devkitc", firmware: "1.4.0", deviceId: "dev-1", broker: "broker.example", port: 1883, user: "dev-1", password: "v1.0.abc", tls: false, partition: HEARTH_PARTITION.name });

    // partitions.csv: ESP-IDF's rules (app partitions 64 KiB aligned, data 4 KiB), no overlap, within 4 MB, Hearth's partition as the binding opens it.
    const rows = readFileSync(join(out, "partitions.csv"), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) => l.split(",").map((c) => c.trim()));
    let end = 0x9000;
    for (const [name, type, , offset, size] of rows as string[][]) {
      const at = Number(offset);
      expect(at % (type === "app" ? 0x10000 : 0x1000), `${name} aligned`).toBe(0);
      expect(at, `${name} after the one before`).toBeGreaterThanOrEqual(end);
      end = at + Number(size);
    }
    expect(end).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(rows.find((r) => r[0] === HEARTH_PARTITION.name)?.slice(1, 3)).toEqual(["data", "0x40"]);
    // XS's mod partition, where an update's archive runs from: type 0x40, subtype 1, as XS looks it up (xs/platforms/esp/xsHost.c).
    expect(rows.find((r) => r[0] === "xs")?.slice(1, 3)).toEqual(["0x40", "1"]);
    expect(rows.filter((r) => r[1] === "app").map((r) => r[0])).toEqual(["factory"]);
    // A UART's pins come from the firmware's own wiring: the vacuum's motion board on UART 2; the air conditioner has none.
    expect(manifest.config.hearth["uarts"]).toEqual({});
    const vacuum = await project("examples/vacuum", DEVKITC);
    const vacuumManifest = JSON.parse(readFileSync(join(vacuum.out, "manifest.json"), "utf8")) as typeof manifest;
    expect(vacuumManifest.config.hearth["uarts"]).toEqual({ 2: { tx: 17, rx: 16 } });

    for (const name of files.filter((f) => f.endsWith(".js"))) {
      const source = readFileSync(join(out, name), "utf8");
      expect(() => transformSync(source, { format: "esm", loader: "js" }), name).not.toThrow();
      for (const [, specifier] of source.matchAll(/\bfrom\s*"([^"]+)"/g)) expect(MODDABLE_MODULES, `${name} imports ${specifier}`).toContain(specifier);
    }
  });

  it("the air conditioner built for the ESP32-DevKitC runs on an ESP32 (faked): its parts on the board's pins, MQTT at QoS 1 with a 30 s keep-alive and the offline will", async () => {
    const { out } = await project("examples/aircon", DEVKITC);
    const { esp } = await runOnEsp32(out);
    // Its SHT3x on the I2C pins: 25 °C, 50 % (the datasheet's words, each with its CRC).
    esp.i2c.set(0x44, Uint8Array.of(0x66, 0x66, sht3xCrc(0x66, 0x66), 0x80, 0x00, sht3xCrc(0x80, 0x00)));
    esp.advance(6_000);
    expect(esp.traces.filter((t) => /^(error|warn)/.test(t))).toEqual([]);
    expect(esp.i2cWrites[0]).toEqual({ address: 0x44, bytes: [0x24, 0x00] });
    const wired = Object.values(DEVKITC.wirings.find((w) => w.appliance === "aircon-indoor")?.parts ?? {}).map((p) => ("pin" in p ? p.pin : p.kind === "i2c" ? p.data : -1)).sort((a, b) => a - b);
    expect(esp.opened.map((o) => o.pin).sort((a, b) => a - b)).toEqual(wired);
    expect(esp.opened.filter((o) => o.kind === "analog").map((o) => o.pin)).toEqual([32, 33]);
    const client = esp.clients[0] as FakeMqtt;
    expect(client.options).toMatchObject({ host: "broker.example", port: 1883, id: "dev-1", user: "dev-1", password: "v1.0.abc", keepAlive: 30_000, clean: true });
    expect(client.options.will).toMatchObject({ topic: "h/dev-1/u", QoS: 1, retain: false });
    expect(decodeCbor(new Uint8Array(client.options.will.message))).toEqual([8, 0, null]);
    client.connack();
    esp.advance(1_000);
    expect(client.subscribed).toEqual([{ topic: "h/dev-1/d", QoS: 1 }]);
    expect(client.published.length).toBeGreaterThan(0);
    expect(client.published.every((p) => p.QoS === 1 && p.topic === "h/dev-1/u")).toBe(true);
    expect((decodeCbor(client.published[0]?.payload as Uint8Array) as unknown[])[0]).toBe(0); // hello (PROTOCOL.md section 4)
  });

  it("the same firmware built for the H1 would not run on the ESP32: its room sensor is on pin 24, which an ESP32 has not (the defect the dev-board issue saw)", async () => {
    const { out } = await project("examples/aircon", undefined);
    const { esp } = await runOnEsp32(out);
    esp.advance(1_000);
    expect(esp.traces).toContain("error boot: firmware 1.4.0 crashed while starting: invalid pin 24");
    expect(esp.opened.some((o) => o.kind === "analog")).toBe(false);
  });

  it("every native function on the ESP32: flash bounds, NOR programming, restart after the call, panic stops the image and resets, the watchdog resets a firmware that stops feeding it, a message in fragments arrives whole", async () => {
    const { out } = await project("examples/aircon", DEVKITC);
    const { esp, native } = await runOnEsp32(out);
    expect(Object.keys(native).filter((k) => k !== "version").sort()).toEqual([...CONTRACT].sort());
    expect(native["boot"]?.()).toMatchObject({ updates: true, firmware: "1.4.0", board: "esp32-devkitc", deviceId: "dev-1", layout: HEARTH_LAYOUT });
    expect(native["flashGeometry"]?.()).toEqual({ sizeBytes: HEARTH_PARTITION.size, sectorBytes: 4096, programBytes: 16 });
    expect(native["flashRead"]?.(HEARTH_PARTITION.size - 8, 16)).toMatchObject({ error: "out-of-range" });
    expect(native["flashErase"]?.(HEARTH_PARTITION.size / 4096)).toMatchObject({ error: "out-of-range" });
    expect(native["flashErase"]?.(190)).toBeUndefined();
    expect(native["flashProgram"]?.(190 * 4096, Uint8Array.of(0x0f, 0xf0).buffer)).toBeUndefined();
    expect(native["flashProgram"]?.(190 * 4096, Uint8Array.of(0xf0, 0x0f).buffer)).toBeUndefined();
    expect([...new Uint8Array(native["flashRead"]?.(190 * 4096, 2) as ArrayBuffer)]).toEqual([0, 0]); // NOR: bits only clear
    expect(native["serialOpen"]?.(1, 9600)).toMatchObject({ error: "unknown-pin" }); // UART 1 is not wired on this board
    expect(native["analogOpen"]?.(25)).toMatchObject({ error: "io", message: expect.stringMatching(/ADC2/) });
    expect(native["digitalOpen"]?.(34, 1, 0)).toMatchObject({ error: "io", message: expect.stringMatching(/input-only/) });
    expect(native["watchdogStart"]?.(0)).toMatchObject({ error: "bad-option", option: "timeoutMs" }); // the firmware's is already running
    // Version 2: the mains zero crossing on a GPIO edge (an optocoupler on input-only GPIO 36), timed in JavaScript.
    const zc = native["zeroCrossOpen"]?.(36) as number;
    expect(zc).toBeGreaterThan(0);
    expect(native["ioRead"]?.(zc)).toMatchObject({ mains: "lost", crossings: 0 });
    for (let i = 0; i < 20; i++) {
      esp.advance(10);
      esp.edge(36);
    }
    expect(native["ioRead"]?.(zc)).toMatchObject({ mains: "ok", crossings: 20, hz: 50 });
    esp.advance(30); // no crossing for 3 half-cycles: the mains is gone
    expect(native["ioRead"]?.(zc)).toMatchObject({ mains: "lost", hz: 0 });
    native["ioClose"]?.(zc);
    // A triac is a zero-cross SSR on a GPIO: burst control in blocks (10 of 20 half-cycles: 100 ms on, 100 ms off), no phase angle.
    const ssr = native["triacOpen"]?.(27) as { handle: number; resolutionUs: number };
    expect(ssr.resolutionUs).toBe(10_000);
    expect(native["triacWrite"]?.(ssr.handle, 1, 90, 0)).toMatchObject({ error: "bad-option", option: "mode", message: expect.stringMatching(/phase-angle control needs a gate fired from the zero crossing in hardware/) });
    const from = esp.writes.length;
    expect(native["triacWrite"]?.(ssr.handle, 2, 10, 20)).toBeUndefined();
    esp.advance(400);
    expect(esp.writes.slice(from).filter((w) => w.pin === 27).map((w) => w.value)).toEqual([0, 1, 0, 1, 0, 1]);
    native["ioClose"]?.(ssr.handle);
    const closed = esp.writes.length;
    esp.advance(400);
    expect(esp.writes.slice(closed).filter((w) => w.pin === 27)).toEqual([]);
    // ECMA-419's I2C and SPI, one to one: a read from the device at 0x44, SPI's in-place transfer given back as a new buffer.
    esp.i2c.set(0x44, Uint8Array.of(0x66, 0x60, 0x93));
    const i2c = native["i2cOpen"]?.(26, 27, 100_000, 0x44) as number;
    expect(native["i2cWrite"]?.(i2c, Uint8Array.of(0x24, 0x00).buffer, 1)).toBeUndefined();
    expect(esp.i2cWrites).toEqual([{ address: 0x44, bytes: [0x24, 0x00] }]);
    expect([...new Uint8Array(native["i2cRead"]?.(i2c, 3, 1) as ArrayBuffer)]).toEqual([0x66, 0x60, 0x93]);
    expect(native["i2cRead"]?.(native["i2cOpen"]?.(26, 27, 100_000, 0x50) as number, 1, 1)).toMatchObject({ error: "io", message: expect.stringMatching(/no ack from 0x50/) });
    const spi = native["spiOpen"]?.(13, 12, 14, 15, 1_000_000, 0) as number;
    const sent = Uint8Array.of(0x03, 0x00);
    expect([...new Uint8Array(native["spiTransfer"]?.(spi, sent.buffer) as ArrayBuffer)]).toEqual([0xfc, 0xff]);
    expect([...sent], "the image's buffer is its own").toEqual([0x03, 0x00]);
    expect(native["motorOpen"]?.(80, 5)).toMatchObject({ error: "io", message: expect.stringMatching(/no BLDC controller/) });
    expect(native["displayOpen"]?.(7)).toMatchObject({ error: "io", message: expect.stringMatching(/no seven-segment driver/) });
    expect(native["touchKeysOpen"]?.(800, 0, 200)).toMatchObject({ error: "io", message: expect.stringMatching(/no touch key block/) });
    const sha = new Uint8Array(native["sha256"]?.(new TextEncoder().encode("abc").buffer) as ArrayBuffer);
    expect(Buffer.from(sha).toString("hex")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    // A message from the broker, handed over in three pieces, reaches the image whole: the cloud's ack of the hello.
    const client = esp.clients[0] as FakeMqtt;
    client.connack();
    esp.advance(100);
    const before = client.published.length;
    client.deliver("h/dev-1/d", Uint8Array.of(0x83, 0x04, 0x01, 0x81, 0x01), 3); // not a valid message: the device answers with an error
    esp.advance(100);
    expect(client.published.length).toBeGreaterThan(before);

    // restart: once the call returns.
    native["restart"]?.();
    expect(esp.restarts).toBe(0);
    esp.advance(1);
    expect(esp.restarts).toBe(1);

    // The firmware feeds its watchdog: no reset while it runs.
    esp.advance(60_000);
    expect(esp.restarts).toBe(1);
    // Out of memory: the image panics; it runs no more (no wake, no publish), and the watchdog resets the chip.
    native["panic"]?.("out of memory in task link");
    expect(esp.traces.at(-1)).toMatch(/panic: out of memory in task link/);
    const published = client.published.length;
    esp.advance(60_000);
    expect(client.published.length).toBe(published);
    expect(esp.restarts).toBe(2);
  });

  it("each appliance's modules preloaded as the XS linker preloads them: none changes a Map, WeakMap, DataView or typed array its body made (in ROM on the device), through boot, cloud sets and minutes of reports", async () => {
    const examples = { "aircon-indoor": loadExample("aircon"), washer: loadExample("washer"), fridge: loadExample("fridge"), vacuum: loadExample("vacuum") };
    for (const [appliance, app] of Object.entries(examples)) {
      const { out } = await project(`examples/${appliance === "aircon-indoor" ? "aircon" : appliance}`, DEVKITC);
      const { esp } = await runOnEsp32(out);
      esp.i2c.set(0x44, Uint8Array.of(0x66, 0x66, sht3xCrc(0x66, 0x66), 0x80, 0x00, sht3xCrc(0x80, 0x00)));
      esp.advance(6_000);
      const crashes = (): string[] => esp.traces.filter((t) => /crashed|panic|TypeError|read-only/.test(t));
      expect(crashes(), `${appliance} started`).toEqual([]);
      const client = esp.clients[0] as FakeMqtt;
      client.connack();
      esp.advance(2_000);
      const settings = membersToWire(app.model.spec.properties, checkValues(app.model.spec.properties, userSettings(app), "property", false));
      client.deliver("h/dev-1/d", encodeMessage({ type: "set", seq: 1, version: 1, values: settings }));
      esp.advance(120_000);
      // An enum or integer member sent as a float (2.5): refused, which goes through the decoder's float bookkeeping.
      const integer = Object.values(app.model.spec.properties).find((p) => p.access === "rw" && (p.type === "enum" || p.type === "int"));
      client.deliver("h/dev-1/d", encodeMessage({ type: "set", seq: 2, version: 2, values: new Map([[integer?.id ?? -1, 2.5]]) }));
      esp.advance(60_000);
      expect(crashes(), appliance).toEqual([]);
      const replies = client.published.map((p) => decodeCbor(p.payload) as unknown[]);
      expect(replies.some((r) => r[0] === 6 && r[2] === 1), `${appliance}: the set was acknowledged`).toBe(true);
      expect(replies.some((r) => r[0] === 7 && (r[2] as unknown[])[0] === 2 && /travel as an integer/.test(String((r[2] as unknown[])[3]))), `${appliance}: the float for an integer refused`).toBe(true);
      expect(replies.filter((r) => r[0] === 1).length, `${appliance}: reports`).toBeGreaterThan(1);
    }
  });

  it("refuses a wiring the chip cannot do, naming the part, the pin and why", async () => {
    const bad: DevBoard = { ...DEVKITC, wirings: [{ appliance: "aircon-indoor", parts: { ...DEVKITC.wirings[0]?.parts, roomSensor: { kind: "adc", pin: 25, why: "planted" }, louver: { kind: "digital-out", pin: 34, why: "planted" } } }] };
    await expect(buildFirmware({ entry: "examples/aircon", board: "esp32-devkitc", version: [1, 0, 0], securityCounter: 0, secretKey: keys.secretKey, devBoard: bad })).rejects.toThrow(/aircon-indoor\.louver: GPIO 34 is input-only[\s\S]*aircon-indoor\.roomSensor: GPIO 25 is on ADC2/);
  });

});
