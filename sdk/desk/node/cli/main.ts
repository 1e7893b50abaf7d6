#!/usr/bin/env node
import { LiveStatus } from "./live-status.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { boardCommand, buildCommand, flashCommand, keysNew, otaCommand, type BoardRun } from "./firmware.js";
import { fleetCommand, fleetMergeCommand } from "./fleet.js";
import { cloudServe } from "./cloud.js";
import { consoleCommand } from "./console.js";
import { brokerOption, deviceIdOption, durationOption, fileOption, freePortOption, hexOption, intOption, numberOption, folderOption, UsageError, userProblem } from "./options.js";
import { fileURLToPath } from "node:url";
import { parseCommandLine } from "./parse.js";
import { EXAMPLES, importAppModule, loadApp, withAppModule } from "./load-app.js";
import { imageCommand } from "./image.js";
import { watchCommand } from "./watch.js";
import { newProject } from "./new-project.js";
import { monitorCommand } from "./monitor.js";
import { deviceCommand } from "./cloud-client.js";
import { closest, commandHelp, COMMANDS, overview } from "./commands.js";
import type { AnyModel } from "../../../thing/model.js";
import { exportModel } from "../tools/model-export.js";
import { MosquittoSetupError, tierSetup, writeMosquittoConfig, type DeviceCredential } from "../mqtt/mosquitto-config.js";
import { runSimulation, type SessionApplianceSpec, type SessionSummary } from "../host/session.js";
import { buildFirmware } from "../tools/build.js";
import { developmentKey } from "../../sim/development-key.js";
import type { Engine } from "../../sim/start-board.js";

async function main(argv: string[]): Promise<number> {
  const { command, positionals: rest, values } = parseCommandLine(argv);
  if (command === "version") {
    const pkg = JSON.parse(readFileSync(new URL("../../../../../package.json", import.meta.url), "utf8")) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  if (command === "help") return help(rest[0]);
  if (values.help === true) return help(command);
  if (command === "broker") return brokerConfig(rest, values);
  if (command === "model") return modelCommand(rest, values);
  if (command === "keys") return keysNew(rest, values);
  if (command === "build") return buildCommand(rest, values);
  if (command === "flash") return flashCommand(rest, values);
  if (command === "ota") return otaCommand(rest, values);
  if (command === "cloud") {
    if (rest[0] !== "serve" || rest.length !== 1) throw new UsageError("try hearth cloud serve --broker URL --store URL --tokens FILE");
    const names = (values.apps ?? "aircon,washer,fridge,vacuum").split(",");
    const models = await Promise.all(names.map(async (name) => (await loadApp(name)).model as unknown as AnyModel));
    return cloudServe(models, values);
  }
  if (command === "console") return consoleCommand(rest, values);
  if (command === "image") return imageCommand(rest, values);
  if (command === "watch") return watchCommand(rest, values);
  if (command === "new") return newProject(rest);
  if (command === "monitor") return monitorCommand(rest, values);
  if (command === "get" || command === "set" || command === "invoke") return deviceCommand(command, rest, values);
  if (command === "fleet") {
    if (rest[0] === "merge") return fleetMergeCommand(rest.slice(1), values.json === true);
    if (rest.length !== 1) throw new UsageError("try hearth fleet APP --count N, or hearth fleet merge FILE...");
    const app = rest[0] as string;
    if (/^[a-z]+$/.test(app) && !EXAMPLES.includes(app) && closest(app, ["merge"]) !== undefined) throw new UsageError(`no example called ${app}; did you mean hearth fleet merge FILE...?`);
    // The fleet's worker threads import the app by its module's URL (a TypeScript app's bundle, kept while they run).
    return withAppModule(app, (url, loaded) => fleetCommand(url, loaded.name, values));
  }
  if (command === "board") {
    const logPort = values["log-port"] === undefined ? undefined : await freePortOption("log-port", values["log-port"]);
    return boardCommand(rest, { ...values, engine: engineOption(values.engine) }, (app, { deviceId, flashFile, images, ...options }) =>
      simulate([{ name: app, deviceId, ...(flashFile === undefined ? {} : { flashFile }), ...(images === undefined ? {} : { images }), ...(logPort === undefined ? {} : { logPort }) }], options, values.json === true),
    );
  }
  if (command !== "sim") throw new UsageError(`unknown command ${JSON.stringify(command)}; try hearth help`);
  const names = rest.length === 0 ? ["aircon"] : rest;
  const one = names.length === 1;
  if (!one && values.device !== undefined) throw new UsageError("--device names one appliance: run one APP with it");
  if (!one && values.flash !== undefined) throw new UsageError("--flash keeps one board's flash: run one APP with it");
  if (!one && values["device-secret"] !== undefined) throw new UsageError("--device-secret is one device's credential: run one APP with it");
  if (!one && values["log-port"] !== undefined) throw new UsageError("--log-port serves one board's log: run one APP with it");
  const logPort = values["log-port"] === undefined ? undefined : await freePortOption("log-port", values["log-port"]);
  const engine = engineOption(values.engine);
  const counts = new Map<string, number>();
  const apps: ApplianceRequest[] = [];
  for (const name of names) {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    apps.push({
      name,
      // A module's devices are named by its app's name (sim-kettle-1), as an example's are.
      deviceId: one && values.device !== undefined ? deviceIdOption("device", values.device) : `sim-${(await loadApp(name)).name.replace(/[^A-Za-z0-9_-]/g, "-")}-${n}`,
      ...(one && values.flash !== undefined ? { flashFile: values.flash } : {}),
      ...(logPort === undefined ? {} : { logPort }),
      ...(engine !== "node" ? { images: await developmentImage(name) } : {}),
    });
  }
  const consolePort = values["no-console"] === true ? undefined : values["console-port"] !== undefined ? await freePortOption("console-port", values["console-port"]) : values.json === true ? undefined : 8080;
  const brokerPort = values.port === undefined ? undefined : await freePortOption("port", values.port);
  return simulate(
    apps,
    {
      ...(engine !== "node" ? { engine } : {}),
      speed: numberOption("speed", values.speed ?? "1", 0.001, 1_000_000),
      ...(values.duration === undefined ? {} : { durationMs: durationOption(values.duration) }),
      ...(values.broker === undefined ? {} : { brokerUrl: brokerOption(values.broker) }),
      ...(brokerPort === undefined ? {} : { port: brokerPort }),
      ...(values.open === true ? { open: true } : {}),
      ...(values["broker-wait"] === undefined ? {} : { brokerWaitMs: durationOption(values["broker-wait"], "broker-wait") }),
      seed: intOption("seed", values.seed ?? "1", 0, 2 ** 32 - 1),
      ...(consolePort === undefined ? {} : { consolePort }),
      ...(values.matter === true ? { withCloud: await import("../../../matter/node/session.js").then((m) => m.sessionMatterFor(names, { userError: (why) => new UsageError(why), importModule: importAppModule })).catch((e: Error) => { throw e instanceof UsageError ? e : new UsageError(`--matter: ${e.message}`); }) } : {}),
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
function help(topic: string | undefined): number {
  if (topic === undefined) console.log(overview());
  else if (COMMANDS[topic] !== undefined) console.log(commandHelp(topic));
  else {
    const near = closest(topic, Object.keys(COMMANDS));
    throw new UsageError(`no command called ${JSON.stringify(topic)}${near === undefined ? "" : `; did you mean hearth help ${near}?`}`);
  }
  return 0;
}

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
  let setup: { devices?: DeviceCredential[]; backends?: { user: string; password: string }[]; tier?: { instances: number; tools?: string[] } };
  try {
    setup = JSON.parse(fileOption("--devices", values.devices).toString("utf8")) as typeof setup;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--devices ${values.devices} is not JSON: ${(error as Error).message}`);
  }
  if (typeof setup !== "object" || setup === null || !Array.isArray(setup.devices)) throw new UsageError(`--devices: ${values.devices} has no "devices" list`);
  if (setup.backends !== undefined && !Array.isArray(setup.backends)) throw new UsageError(`--devices: "backends" in ${values.devices} must be a list`);
  let files: ReturnType<typeof writeMosquittoConfig>;
  let tier: ReturnType<typeof tierSetup> | undefined;
  try {
    if (setup.tier !== undefined) tier = tierSetup(setup.tier);
    const logins = tier?.logins ?? [];
    files = writeMosquittoConfig(values.out, {
      devices: setup.devices,
      backends: [...(setup.backends ?? []), ...logins.map(({ user, password }) => ({ user, password }))],
      port: intOption("port", values.port ?? "1883", 1, 65535),
    });
  } catch (error) {
    if (error instanceof MosquittoSetupError) throw new UsageError(`--devices ${values.devices}: ${error.message}`);
    throw error;
  }
  if (tier !== undefined) {
    // The tier's logins and its group (hearth cloud serve --group), for its operators: readable by the caller only.
    const path = join(resolve(values.out), "logins.json");
    writeFileSync(path, `${JSON.stringify(tier, null, 2)}\n`, { mode: 0o600 });
    console.log(`wrote ${path}: group ${tier.group}; ${tier.logins.map((l) => l.user).join(", ")} (each instance and tool logs in as itself)`);
  }
  console.log(`wrote ${files.conf}, ${files.passwords}, ${files.acl} for ${setup.devices.length} devices (owned by ${files.owner}; start Mosquitto with -c ${files.conf})`);
  return 0;
}

// Output piped into a reader that stopped reading (hearth watch | head): done, not a fault.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

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
