#!/usr/bin/env node
import { LiveStatus } from "./live-status.js";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { boardCommand, buildCommand, flashCommand, keysNew, otaCommand, type BoardRun } from "./firmware.js";
import { fleetCommand } from "./fleet.js";
import { brokerOption, deviceIdOption, durationOption, fileOption, hexOption, intOption, joinNegativeValues, numberOption, folderOption, UsageError, userProblem } from "./options.js";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { ApplianceApp } from "../../sim/app.js";
import type { AnyModel, ModelSpec } from "../../../thing/model.js";
import { exportModel } from "../tools/model-export.js";
import { MosquittoSetupError, writeMosquittoConfig, type DeviceCredential } from "../mqtt/mosquitto-config.js";
import { runSimulation, type SessionApplianceSpec, type SessionSummary } from "../host/session.js";
import { buildFirmware } from "../tools/build.js";
import { developmentKey } from "../../sim/development-key.js";
import type { Engine } from "../../sim/start-board.js";

const HELP = `hearth: appliance firmware SDK

Usage:
  hearth sim [APP...] [options]
                               run appliances (default: aircon) on simulated boards with a cloud link,
                               and the web console on http://127.0.0.1:8080/ (hearth sim washer fridge vacuum aircon)
  hearth keys new --out DIR    make a signing key pair: DIR/hearth.key (secret) and DIR/hearth.pub
  hearth build PATH --board B --key FILE [--fw-version 1.0.0] [--counter N] [--out FILE]
                               build a signed firmware image of the example or module at PATH
  hearth build PATH --target moddable --board esp32-devkitc|esp32-s3-devkitc-1 --broker mqtt[s]://HOST:PORT
        --device ID --device-secret HEX [--issued-at MS] [--ca FILE] [--out DIR]
                               write a Moddable SDK project that runs it on that ESP32 dev board, its parts on
                               the board's pins, connected to the broker (mcconfig builds and flashes it)
  hearth flash IMAGE --port HOST:PORT   write a firmware image to a board over its bootloader port
  hearth board BOARD --pub FILE [--flash FILE] [--port P] [--broker URL] [--speed N] [--device ID]
                               a simulated board that runs the image in its flash: its serial bootloader
                               port on P (for hearth flash), its flash kept in FILE, connected to the broker
  hearth ota IMAGE --to ID[,ID...] [--share S] [--max-failures N] [--broker URL]
                               update devices over the air (a share S of them: a staged rollout), and
                               follow each until it runs the new image or says why not
  hearth fleet APP --count N [--broker URL] [--speed N] [--seed S] [--rate R] [--duration T] [--json]
                               N appliances in one process, each with its own connection, connecting R a
                               second (default 200); the embedded broker checks per-device credentials;
                               for an outside one, --fleet-secret HEX derives each device's secret
  hearth model export APP [--out DIR]
                               write APP's thing model as a document (DIR/<id>.json) and its deterministic
                               CBOR (DIR/<id>.cbor), and print its hash (sdk/protocol/PROTOCOL.md section 3a)
  hearth broker config --devices FILE --out DIR [--port P]
                               write a Mosquitto configuration (password file, ACL) for the devices in
                               FILE: JSON {"devices":[{"id","secret"(hex),"issuedAt"}],"backends":[{"user","password"}]}
  hearth help                  this text
  hearth --version

APP is an example name (aircon, washer, fridge, vacuum) or a path to a module that exports \`app\`.

Options for sim:
  --speed N         run simulated time N times faster than real time (default 1)
  --duration T      stop after T of simulated time: 90s, 30m, 2h, 1d
  --json            print one JSON summary line at the end, and no live status
  --broker URL      use this MQTT broker instead of the embedded one
  --port P          embedded broker port (default 1883; a free one if that is taken). It admits this
                    run's devices (each with its own credential) and the cloud's login, which it prints
  --open            let anonymous clients watch the embedded broker, read-only (mosquitto_sub)
  --broker-wait T   how long to wait for the broker to answer before giving up (default 30s)
  --seed S          seed of the simulation's random generator (default 1; the Nth appliance gets S+N-1)
  --console-port P  serve the web console on 127.0.0.1:P (default 8080; a free one if that is taken;
                    with --json, no console unless this is given)
  --no-console      no web console
  --device ID       device id on the link (one appliance; default sim-APP-1)
  --flash FILE      keep the board's flash (settings, logs) in FILE between runs (one appliance)
  --engine E        node (default): the firmware runs on Node; embedded: the example's image boots on
                    the simulated H1's MCU, QuickJS with the chip's memory (signed with the development key);
                    xs: the same image in Moddable's XS, the engine of Moddable's ESP32 boards (Linux; built
                    by npm install with make and a C compiler)
  --ca FILE         the CA certificate (PEM) of an outside broker's TLS (mqtts://)
  --device-secret HEX   the device's secret: it logs in as its id with an HMAC credential
  --issued-at MS    issue time of that credential (Unix ms; default 0)
  --cloud-user U --cloud-password P   the cloud side's login on an outside broker

Ctrl-C stops cleanly.`;

const OPTIONS = {
      speed: { type: "string" },
      duration: { type: "string" },
      json: { type: "boolean" },
      broker: { type: "string" },
      port: { type: "string" },
      seed: { type: "string" },
      device: { type: "string" },
      flash: { type: "string" },
      devices: { type: "string" },
      ca: { type: "string" },
      board: { type: "string" },
      key: { type: "string" },
      counter: { type: "string" },
      pub: { type: "string" },
      "fw-version": { type: "string" },
      "device-secret": { type: "string" },
      "issued-at": { type: "string" },
      "cloud-user": { type: "string" },
      "cloud-password": { type: "string" },
      out: { type: "string" },
      to: { type: "string" },
      share: { type: "string" },
      "max-failures": { type: "string" },
      engine: { type: "string" },
      target: { type: "string" },
      count: { type: "string" },
      rate: { type: "string" },
      "fleet-secret": { type: "string" },
      "console-port": { type: "string" },
      "no-console": { type: "boolean" },
      open: { type: "boolean" },
      "broker-wait": { type: "string" },
      version: { type: "boolean" },
      help: { type: "boolean", short: "h" },
} as const;

async function main(argv: string[]): Promise<number> {
  const valued = new Set(Object.entries(OPTIONS).filter(([, o]) => o.type === "string").map(([name]) => name));
  const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, valued), allowPositionals: true, options: OPTIONS });
  const [command = "help", ...rest] = positionals;
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL("../../../../../package.json", import.meta.url), "utf8")) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  if (values.help || command === "help") {
    console.log(HELP);
    return 0;
  }
  if (command === "broker") return brokerConfig(rest, values);
  if (command === "model") return modelCommand(rest, values);
  if (command === "keys") return keysNew(rest, values);
  if (command === "build") return buildCommand(rest, values);
  if (command === "flash") return flashCommand(rest, values);
  if (command === "ota") return otaCommand(rest, values);
  if (command === "fleet") {
    if (rest.length !== 1) throw new UsageError("try hearth fleet APP --count N");
    return fleetCommand(await loadApp(rest[0] as string), values);
  }
  if (command === "board") {
    return boardCommand(rest, { ...values, engine: engineOption(values.engine) }, (app, { deviceId, flashFile, images, ...options }) =>
      simulate([{ name: app, deviceId, ...(flashFile === undefined ? {} : { flashFile }), ...(images === undefined ? {} : { images }) }], options, values.json === true),
    );
  }
  if (command !== "sim") throw new UsageError(`unknown command ${JSON.stringify(command)}; try hearth help`);
  const names = rest.length === 0 ? ["aircon"] : rest;
  const one = names.length === 1;
  if (!one && values.device !== undefined) throw new UsageError("--device names one appliance: run one APP with it");
  if (!one && values.flash !== undefined) throw new UsageError("--flash keeps one board's flash: run one APP with it");
  if (!one && values["device-secret"] !== undefined) throw new UsageError("--device-secret is one device's credential: run one APP with it");
  const engine = engineOption(values.engine);
  const counts = new Map<string, number>();
  const apps: ApplianceRequest[] = [];
  for (const name of names) {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    apps.push({
      name,
      deviceId: one && values.device !== undefined ? deviceIdOption("device", values.device) : `sim-${name.replace(/[^A-Za-z0-9_-]/g, "-")}-${n}`,
      ...(one && values.flash !== undefined ? { flashFile: values.flash } : {}),
      ...(engine !== "node" ? { images: await developmentImage(name) } : {}),
    });
  }
  const consolePort = values["no-console"] === true ? undefined : values["console-port"] !== undefined ? intOption("console-port", values["console-port"], 0, 65535) : values.json === true ? undefined : 8080;
  return simulate(
    apps,
    {
      ...(engine !== "node" ? { engine } : {}),
      speed: numberOption("speed", values.speed ?? "1", 0.001, 1_000_000),
      ...(values.duration === undefined ? {} : { durationMs: durationOption(values.duration) }),
      ...(values.broker === undefined ? {} : { brokerUrl: brokerOption(values.broker) }),
      ...(values.port === undefined ? {} : { port: intOption("port", values.port, 0, 65535) }),
      ...(values.open === true ? { open: true } : {}),
      ...(values["broker-wait"] === undefined ? {} : { brokerWaitMs: durationOption(values["broker-wait"], "broker-wait") }),
      seed: intOption("seed", values.seed ?? "1", 0, 2 ** 32 - 1),
      ...(consolePort === undefined ? {} : { consolePort }),
      ...(values.ca === undefined ? {} : { ca: fileOption("--ca", values.ca).toString("utf8") }),
      ...(values["device-secret"] === undefined ? {} : { deviceSecret: hexOption("device-secret", values["device-secret"]) }),
      ...(values["issued-at"] === undefined ? {} : { issuedAt: intOption("issued-at", values["issued-at"], 0, Number.MAX_SAFE_INTEGER) }),
      ...(values["cloud-user"] === undefined ? {} : { cloudLogin: { username: values["cloud-user"], password: values["cloud-password"] ?? "" } }),
    },
    values.json === true,
  );
}

/** An appliance to simulate, by example name or module path. */
type ApplianceRequest = Omit<SessionApplianceSpec, "app"> & { name: string };

/** Runs appliances on simulated boards until their duration or Ctrl-C, printing their status live. */
async function simulate(requests: ApplianceRequest[], options: Omit<BoardRun, "deviceId" | "flashFile" | "images">, json: boolean): Promise<number> {
  const appliances: SessionApplianceSpec[] = [];
  for (const { name, ...rest } of requests) appliances.push({ ...rest, app: await loadApp(name) });
  const live = process.stdout.isTTY && !json;
  const area = new LiveStatus((text) => void process.stdout.write(text), () => process.stdout.columns || 200);
  let lastLive = 0;
  let sigint!: () => void;
  const interrupted = new Promise<void>((r) => (sigint = r));
  process.once("SIGINT", sigint);
  process.once("SIGTERM", sigint);

  const summaries = await runSimulation({
    ...options,
    appliances,
    interrupted,
    print: (line, isLive) => {
      if (json) return;
      if (!isLive) return live ? area.print(line) : void process.stdout.write(`${line}\n`);
      if (live) return area.show(line.split("\n"));
      // Not a terminal: a status line every 5 s is enough for a log.
      const now = Date.now();
      if (now - lastLive >= 5000) {
        lastLive = now;
        process.stdout.write(`${line}\n`);
      }
    },
  });
  if (summaries.length === 0) {
    if (!json) console.log("stopped before the broker answered");
    return 0;
  }
  const first = summaries[0] as SessionSummary;
  if (json) console.log(JSON.stringify(summaries.length === 1 ? first : summaries));
  else {
    area.end();
    process.stdout.write(`stopped by ${first.stoppedBy} after ${(first.simulatedMs / 3_600_000).toFixed(2)} h simulated\n`);
  }
  return 0;
}

function engineOption(value: string | undefined): Engine {
  if (value === undefined || value === "node" || value === "embedded" || value === "xs") return value ?? "node";
  throw new UsageError(`--engine must be node, embedded or xs, got ${JSON.stringify(value)}`);
}

/**
 * `hearth sim APP --engine embedded` boots an image, as a board does: the
 * example is built and signed with the development key (public, for
 * simulated boards only; never for products) and programmed into a blank flash.
 */
async function developmentImage(name: string): Promise<{ publicKey: Uint8Array; factoryImage: Uint8Array }> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError("--engine embedded and xs run an example by name (its image is built from examples/NAME)");
  const source = fileURLToPath(new URL(`../../../../../examples/${name}`, import.meta.url));
  const entry = existsSync(join(source, "image.ts")) ? source : fileURLToPath(new URL(`../../../../examples/${name}/image.js`, import.meta.url));
  const app = await loadApp(name);
  const version = app.firmwareVersion.split(".").map(Number) as [number, number, number];
  const key = developmentKey();
  const { image } = await buildFirmware({ entry, board: app.boardId, version, securityCounter: 0, secretKey: key.secretKey });
  return { publicKey: key.publicKey, factoryImage: image.bytes };
}

async function loadApp(name: string): Promise<ApplianceApp<ModelSpec>> {
  const isPath = name.includes("/") || name.endsWith(".js");
  if (!isPath && !/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`not an example name: ${JSON.stringify(name)}`);
  const url = isPath ? pathToFileURL(resolve(name)).href : new URL(`../../../../examples/${name}/app.js`, import.meta.url).href;
  let module: { app?: ApplianceApp<ModelSpec> };
  try {
    module = (await import(url)) as { app?: ApplianceApp<ModelSpec> };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && !isPath) {
      throw new UsageError(`no example called ${name} (try aircon, washer, fridge or vacuum)`);
    }
    throw error;
  }
  if (module.app === undefined) throw new UsageError(`${name} does not export an app`);
  return module.app;
}

/** `hearth model export APP [--out DIR]`: the model as a document another implementation reads (PROTOCOL.md section 3a). */
async function modelCommand(rest: string[], values: { out?: string | undefined }): Promise<number> {
  if (rest[0] !== "export" || rest[1] === undefined) throw new UsageError("try hearth model export APP [--out DIR]");
  const app = await loadApp(rest[1]);
  const out = folderOption("--out", values.out ?? ".");
  const files = exportModel(app.model as unknown as AnyModel, out);
  console.log(`${files.json} and ${files.cbor}: model ${app.model.id} version ${app.model.spec.version}, hash ${files.hash}`);
  return 0;
}

function brokerConfig(rest: string[], values: { devices?: string | undefined; out?: string | undefined; port?: string | undefined }): number {
  if (rest[0] !== "config") throw new UsageError("try hearth broker config --devices FILE --out DIR");
  if (values.devices === undefined || values.out === undefined) throw new UsageError("hearth broker config needs --devices FILE and --out DIR");
  folderOption("--out", values.out);
  let setup: { devices?: DeviceCredential[]; backends?: { user: string; password: string }[] };
  try {
    setup = JSON.parse(fileOption("--devices", values.devices).toString("utf8")) as typeof setup;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--devices ${values.devices} is not JSON: ${(error as Error).message}`);
  }
  if (typeof setup !== "object" || setup === null || !Array.isArray(setup.devices)) throw new UsageError(`--devices: ${values.devices} has no "devices" list`);
  if (setup.backends !== undefined && !Array.isArray(setup.backends)) throw new UsageError(`--devices: "backends" in ${values.devices} must be a list`);
  let files: ReturnType<typeof writeMosquittoConfig>;
  try {
    files = writeMosquittoConfig(values.out, {
      devices: setup.devices,
      backends: setup.backends ?? [],
      port: intOption("port", values.port ?? "1883", 1, 65535),
    });
  } catch (error) {
    if (error instanceof MosquittoSetupError) throw new UsageError(`--devices ${values.devices}: ${error.message}`);
    throw error;
  }
  console.log(`wrote ${files.conf}, ${files.passwords}, ${files.acl} for ${setup.devices.length} devices (owned by ${files.owner}; start Mosquitto with -c ${files.conf})`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const problem = userProblem(error);
    if (problem !== undefined) {
      console.error(`hearth: ${problem}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
