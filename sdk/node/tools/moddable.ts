import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Image } from "../../../os/boot/image.js";

/** Boards the Moddable target knows: Moddable's platform name, and which pins the firmware's H1 pins land on. */
export const MODDABLE_BOARDS: Record<string, { platform: string; note: string }> = {
  esp32: { platform: "esp32", note: "an ESP32 dev board (ESP32-DevKitC and the like)" },
};

/**
 * Writes a Moddable SDK project that runs a firmware image's bundle on an
 * ESP32 with XS: manifest.json, the bundle as a module, and the native
 * binding contract (hal/NATIVE.md) over ECMA-419's `embedded:io/*`, Timer,
 * Moddable's flash partition and its MQTT client. `mcconfig -d -m -p esp32`
 * in the folder builds and flashes it. Node-only.
 */
export function writeModdableProject(out: string, image: Image, board: string): string[] {
  const target = MODDABLE_BOARDS[board];
  if (target === undefined) throw new Error(`the Moddable target knows boards ${Object.keys(MODDABLE_BOARDS).join(", ")}, not ${board}`);
  mkdirSync(out, { recursive: true });
  const files: Record<string, string> = {
    "manifest.json": `${JSON.stringify(manifest(target.platform), null, 2)}\n`,
    "main.js": MAIN,
    "hearth-image.js": new TextDecoder().decode(image.bundle),
    "hearth-native.js": nativeBinding(image.version.join("."), board),
    "README.md": readme(image, board, target.note),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  return Object.keys(files);
}

function manifest(platform: string): object {
  return {
    include: ["$(MODDABLE)/examples/manifest_base.json", "$(MODDABLE)/examples/manifest_net.json", "$(MODDABLE)/modules/io/manifest.json", "$(MODDABLE)/modules/network/mqtt/manifest.json", "$(MODDABLE)/modules/crypt/digest/manifest.json", "$(MODDABLE)/modules/files/flash/manifest.json", "$(MODDABLE)/modules/files/preference/manifest.json"],
    modules: { "*": ["./main", "./hearth-native"], "hearth-image": "./hearth-image" },
    preload: ["hearth-image", "hearth-native"],
    creation: { static: 0, chunk: { initial: 65536, incremental: 4096 }, heap: { initial: 4096, incremental: 1024 }, stack: 512 },
    config: { hearth: { deviceId: "", broker: "", port: 1883, user: "", password: "", partition: "xs" } },
    platforms: { [platform]: {}, "...": { error: "Hearth's Moddable target is written for ESP32 boards" } },
  };
}

const MAIN = `/* A Hearth firmware image on Moddable XS: start its engine over the native binding. */
import { engine } from "hearth-image";
import { bind } from "hearth-native";

engine.start(bind(engine));
`;

function nativeBinding(firmware: string, board: string): string {
  return `/*
 * The native binding contract (Hearth's hal/NATIVE.md, version 1) on Moddable XS for ESP32:
 * IO through ECMA-419's embedded:io classes, time through Time and Timer, flash through a
 * Moddable flash partition, SHA-256 through Digest, MQTT through Moddable's client,
 * provisioning through config and Preference. Each function returns a NativeError value
 * ({ error, message, option }) rather than throwing, as the contract says.
 */
import Digital from "embedded:io/digital";
import Analog from "embedded:io/analog";
import PWM from "embedded:io/pwm";
import Serial from "embedded:io/serial";
import Timer from "timer";
import Time from "time";
import Flash from "flash";
import Preference from "preference";
import { Digest } from "crypt";
import MQTT from "mqtt";
import config from "mc/config";

const settings = config.hearth ?? {};
const fail = (error, message, option) => (option === undefined ? { error, message } : { error, message, option });
const ioError = (e) => fail(e?.message?.includes?.("in use") ? "pin-in-use" : e instanceof RangeError ? "bad-option" : "io", String(e?.message ?? e));

export function bind(engine) {
  const handles = new Map();
  let nextHandle = 1;
  let wakeTimer;
  let client;
  let subscriptions = [];
  let watchdogTimer;
  let watchdogMs = 0;
  const flash = new Flash(settings.partition ?? "xs");
  const open = (make) => {
    try {
      const handle = nextHandle;
      handles.set(handle, make(handle));
      nextHandle++;
      return handle;
    } catch (e) {
      return ioError(e);
    }
  };
  const use = (handle, fn) => {
    const io = handles.get(handle);
    if (io === undefined) return fail("closed", "no open IO with handle " + handle);
    try {
      return fn(io);
    } catch (e) {
      return ioError(e);
    }
  };
  const flashCall = (fn) => {
    try {
      return fn();
    } catch (e) {
      return fail("program-failed", String(e?.message ?? e));
    }
  };
  const restart = () => {
    // ESP-IDF's esp_restart, which Moddable's runtime calls when the VM aborts.
    throw new Error("hearth: restart");
  };
  return {
    version: 1,
    boot() {
      const id = Preference.get("hearth", "deviceId") ?? settings.deviceId ?? "esp32-1";
      const size = flash.byteLength;
      const part = (offset, bytes) => ({ offset, size: bytes });
      const sector = flash.blockSize;
      const kv = Math.max(8, Math.floor(size / sector / 2)) * sector;
      return {
        deviceId: id,
        board: ${JSON.stringify(board)},
        firmware: ${JSON.stringify(firmware)},
        resetReason: 0,
        reverted: false,
        publicKey: new ArrayBuffer(32),
        // Moddable builds the firmware into the ESP32's program: the partition holds storage only.
        layout: { boot: part(0, 0), slotA: part(0, 0), slotB: part(0, 0), kv: part(0, kv), log: part(kv, size - kv) },
        seed: Math.floor(Math.random() * 0x7fffffff),
        updates: false,
      };
    },
    now: () => Time.ticks,
    setWake(at) {
      if (wakeTimer !== undefined) Timer.clear(wakeTimer);
      wakeTimer = undefined;
      if (at < 0) return;
      wakeTimer = Timer.set(() => {
        wakeTimer = undefined;
        engine.wake();
      }, Math.max(0, at - Time.ticks));
    },
    digitalOpen: (pin, mode, edge) =>
      open((handle) => new Digital(edge === 0 ? { pin, mode } : { pin, mode, edge, onReadable: () => engine.readable(handle) })),
    analogOpen(pin) {
      let analog;
      const handle = open(() => (analog = new Analog({ pin })));
      return typeof handle === "number" ? { handle, resolution: analog.resolution } : handle;
    },
    pwmOpen(pin, hz) {
      let pwm;
      const handle = open(() => (pwm = new PWM({ pin, hz })));
      return typeof handle === "number" ? { handle, resolution: pwm.resolution, hz: pwm.hz ?? hz } : handle;
    },
    serialOpen: (port, baud) => open((handle) => new Serial({ port, baud, format: "buffer", onReadable: () => engine.readable(handle) })),
    ioRead: (handle) => use(handle, (io) => io.read()),
    ioWrite: (handle, value) => use(handle, (io) => void io.write(value)),
    ioClose(handle) {
      handles.get(handle)?.close();
      handles.delete(handle);
    },
    flashGeometry: () => ({ sizeBytes: flash.byteLength, sectorBytes: flash.blockSize, programBytes: 16 }),
    flashRead: (offset, length) => flashCall(() => flash.read(offset, length)),
    flashProgram: (offset, data) => flashCall(() => void flash.write(offset, data.byteLength, data)),
    flashErase: (sector) => flashCall(() => void flash.erase(sector)),
    watchdogStart(timeoutMs) {
      if (watchdogMs !== 0) return fail("bad-option", "watchdog: already started", "timeoutMs");
      // A software watchdog on a Timer; the ESP32's own task watchdog also guards the VM's loop.
      watchdogMs = timeoutMs;
      watchdogTimer = Timer.set(restart, timeoutMs);
      return undefined;
    },
    watchdogFeed() {
      if (watchdogTimer !== undefined) Timer.schedule(watchdogTimer, watchdogMs);
    },
    restart,
    random(bytes) {
      const out = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i++) out[i] = Math.floor(Math.random() * 256);
      return out.buffer;
    },
    sha256(data) {
      const digest = new Digest("SHA256");
      digest.write(data);
      return digest.close();
    },
    // No update is installed on this target (boot().updates is false): nothing asks for this.
    ed25519Verify: () => false,
    mqttStart() {
      if (client !== undefined) return;
      client = new MQTT({ host: settings.broker, port: settings.port ?? 1883, id: Preference.get("hearth", "deviceId") ?? settings.deviceId, user: settings.user || undefined, password: settings.password || undefined, keepalive: 30_000 });
      client.onReady = () => {
        for (const topic of subscriptions) client.subscribe(topic);
        engine.mqtt("up");
      };
      client.onMessage = (topic, body) => engine.mqtt("message", topic, body);
      client.onClose = () => {
        client = undefined;
        engine.mqtt("down");
        Timer.set(() => this.mqttStart(), 5_000);
      };
    },
    mqttSubscribe(topic) {
      subscriptions = [...subscriptions.filter((t) => t !== topic), topic];
      client?.subscribe(topic);
    },
    mqttPublish(topic, payload) {
      try {
        client?.publish(topic, payload);
      } catch {
        // Not connected: the image sends again what is not acknowledged.
      }
    },
    mqttStop() {
      client?.close();
      client = undefined;
    },
    panic(cause) {
      trace("hearth: panic: " + cause + "\\n");
      restart();
    },
    log(level, task, message) {
      trace(level + " " + task + ": " + message + "\\n");
    },
  };
}
`;
}

function readme(image: Image, board: string, note: string): string {
  return `# Hearth firmware ${image.version.join(".")} for Moddable on ${board}

Made by \`hearth build --target moddable --board ${board}\`, for ${note}.

- \`hearth-image.js\`: the firmware image's bundle (the same ES module as in the signed image).
- \`hearth-native.js\`: Hearth's native binding contract (hal/NATIVE.md) on Moddable: ECMA-419's
  \`embedded:io/*\`, \`Time\` and \`Timer\`, a flash partition, \`Digest\` for SHA-256, Moddable's MQTT client.
- \`main.js\`: starts the image's engine.
- \`manifest.json\`: preloads both modules (code in flash, data in the XS heap).

Set the broker and device in \`manifest.json\` (\`config.hearth\`) or at run time with
\`Preference.set("hearth", "deviceId", ...)\`, wire the board's pins as the firmware's board definition
says, then, with the Moddable SDK installed: \`mcconfig -d -m -p ${MODDABLE_BOARDS[board]?.platform ?? board}\`.

On this target the firmware is built into the ESP32's program, so Hearth's updates over the air are
refused (use Moddable's own OTA), the boot partition is unused, and the software watchdog restarts
the chip when the firmware stops feeding it.
`;
}
