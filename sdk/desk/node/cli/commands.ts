/**
 * The one table of the CLI's commands and options: the parser takes each
 * command's options from it (anything else is refused, with a did-you-mean),
 * `hearth COMMAND --help` prints it, and the README's option tables are
 * generated from it (`readmeOptionsTable`; test/unit/cli-options.test.ts checks them).
 */

/** An option: `value` names what it takes (a string option); none for a switch. */
export interface OptionSpec {
  readonly value?: string;
  readonly help: string;
}

export const OPTIONS = {
  speed: { value: "N", help: "simulated time runs N times faster than real time (default 1)" },
  duration: { value: "T", help: "stop after T of simulated time: 90s, 30m, 2h, 1d" },
  json: { help: "no live status; one JSON summary line at the end" },
  broker: { value: "URL", help: "use this MQTT broker (mqtt://, mqtts://, ws://, wss://) instead of the embedded one" },
  port: { value: "P", help: "port of the embedded broker (default 1883, or a free one if that is taken; a port given here must be free)" },
  open: { help: "let anonymous clients watch the embedded broker, read-only (mosquitto_sub -L 'mqtt://127.0.0.1:1883/h/#' -v)" },
  "broker-wait": { value: "T", help: "how long to wait for the broker to answer before giving up with exit 2 (default 30s)" },
  seed: { value: "S", help: "seed of the simulation's random generator (default 1; the Nth appliance gets S+N-1): the same seed replays the same run" },
  "console-port": { value: "P", help: "serve the web console on 127.0.0.1:P (default 8080, or a free one if that is taken; with --json, none unless given; a port given here must be free)" },
  "no-console": { help: "no web console" },
  matter: { help: "bridge the appliances to Matter (matter.js, UDP 5540): prints the pairing code and QR (the console shows them too); its fabrics are kept in ~/.hearth/matter-bridge" },
  device: { value: "ID", help: "the device id on the link (one appliance; default sim-APP-1)" },
  flash: { value: "FILE", help: "keep the board's flash (settings, logs) in FILE between runs (one appliance); every write is synced as it is made" },
  engine: { value: "E", help: "node (default): the firmware runs on Node; embedded: the example's image boots in QuickJS with the H1's memory; xs: the same image in Moddable's XS" },
  ca: { value: "FILE", help: "the CA certificate (PEM) of the broker's TLS (mqtts://)" },
  "device-secret": { value: "HEX", help: "the device's secret: it logs in as its id with an HMAC credential" },
  "issued-at": { value: "MS", help: "issue time of that credential (Unix ms; default 0)" },
  "cloud-user": { value: "U", help: "the cloud side's user name on an outside broker" },
  "cloud-password": { value: "P", help: "the cloud side's password on an outside broker" },
  count: { value: "N", help: "how many appliances (required)" },
  rate: { value: "R", help: "devices connecting a second (default 200)" },
  "fleet-secret": { value: "HEX", help: "derive each device's secret from this and its id (for an outside broker that checks logins)" },
  shard: { value: "i/n", help: "run slice i of n (0-based; the Kubernetes completion index over the job's completions): each device's id, secret and seed come from its index, so n shards anywhere are one fleet (give each the same --broker, --count and --fleet-secret)" },
  workers: { value: "K", help: "worker threads the devices run on, each with its own event loop and cloud client (default one per core)" },
  observe: { help: "beside a cloud tier (hearth cloud serve) that answers the devices: the fleet's own cloud client only counts what they send (no acks, no clock answers) and the users change no setting, so desired state has one writer" },
  summary: { value: "FILE", help: "write the summary (JSON, with its set round trips as a mergeable histogram) to FILE for hearth fleet merge; a stopped fleet writes it too" },
  out: { value: "PATH", help: "where to write" },
  board: { value: "B", help: "the board the image is for (boards/: aircon-indoor, washer, fridge, vacuum; the dev boards with --target moddable)" },
  key: { value: "FILE", help: "the secret signing key (hearth.key from hearth keys new)" },
  "fw-version": { value: "X.Y.Z", help: "the firmware's version (default 1.0.0)" },
  counter: { value: "N", help: "the security counter: a board refuses images below the one it confirmed (default 0)" },
  target: { value: "T", help: "image (default): a signed image; moddable: a Moddable SDK project for an ESP32 dev board" },
  pub: { value: "FILE", help: "the public key (hearth.pub) the board checks images with" },
  to: { value: "ID,...", help: "the devices to update, by id, separated by commas" },
  share: { value: "S", help: "offer the update to this share of them first, 0 to 1 (a staged rollout; default 1)" },
  "max-failures": { value: "N", help: "pause the rollout after N devices failed" },
  devices: { value: "FILE", help: 'JSON {"devices":[{"id","secret"(hex),"issuedAt"}],"backends":[{"user","password"}],"tier":{"instances":N,"tools":["ota",...]}}; a tier gets a login per instance (cloud-1..N) and per tool (tool-NAME), written to DIR/logins.json' },
  "log-port": { value: "P", help: "serve the board's log (every record, a line each) on 127.0.0.1:P for hearth monitor (0: a free one; one appliance)" },
  wait: { value: "T", help: "how long to wait for the device's answer (default 10s)" },
  app: { value: "APP", help: "the appliance the device is (an example, or your app.ts), for its model; default: from its id as hearth sim and hearth board name devices (sim-aircon-1, aircon-indoor-1)" },
  store: { value: "URL", help: "the cloud's store: postgres://USER:PASSWORD@HOST:PORT/DB (default: the environment's HEARTH_STORE_URL)" },
  cloud: { value: "URL", help: "the cloud tier's HTTP API, as hearth cloud serve prints it (http://127.0.0.1:8081)" },
  "token-file": { value: "FILE", help: "a file holding a bearer token of one of the API's clients on its first line (kept out of the command line and the shell's history)" },
  tokens: { value: "FILE", help: 'the HTTP API\'s clients: JSON {"clients":[{"name","token"}]}; only they are let in' },
  "http-port": { value: "P", help: "the HTTP API's port on 127.0.0.1 (default 8081)" },
  group: { value: "G", help: "the shared subscription's group ($share/G/h/+/u; default hearth): every instance of one tier gives the same" },
  retention: { value: "T", help: "how long reported values are kept in the history (default 30d)" },
  apps: { value: "APP,...", help: "the appliances whose models the tier serves (default aircon,washer,fridge,vacuum)" },
  help: { help: "this command's options, with an example" },
  version: { help: "the version of hearth" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** What the parser gives a command: a string for an option that takes a value, true for a switch. */
export type OptionValues = { [K in OptionName]?: (typeof OPTIONS)[K] extends { value: string } ? string : boolean };

/** A command: how to call it, what it does, its options (with a help of its own where its meaning is the command's), an example. */
export interface CommandSpec {
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly (OptionName | readonly [OptionName, string])[];
  readonly example: string;
}

const outsideLogin = ["ca", "cloud-user", "cloud-password"] as const;
const cloudClient = [["broker", "the broker the devices use (default mqtt://127.0.0.1:1883); a login as mqtt://USER:PASSWORD@HOST:PORT, or --cloud-user/--cloud-password"], ...outsideLogin] as const;

export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  sim: {
    usage: "hearth sim [APP...] [options]",
    summary: "run appliances (default: aircon) on simulated boards with a cloud link and the web console on http://127.0.0.1:8080/. APP is an example (aircon, washer, fridge, vacuum) or a module (.ts or .js) that exports `app`",
    options: ["speed", "duration", "json", "broker", "port", "open", "broker-wait", "seed", "console-port", "no-console", "matter", "device", "flash", "log-port", "engine", ...outsideLogin, "device-secret", "issued-at"],
    example: "hearth sim washer fridge --speed 60 --duration 2h",
  },
  fleet: {
    usage: "hearth fleet APP --count N [options] | hearth fleet merge FILE... [--json]",
    summary:
      "N appliances, each with its own connection, over worker threads (one per core); the embedded broker checks per-device credentials. Ctrl-C or SIGTERM stops the fleet and sums up what it did (exit 130), a second one quits at once. hearth fleet merge sums up the summaries shards wrote with --summary as one fleet's (totals, p50/p99 of every sample)",
    options: [
      "count",
      "broker",
      "speed",
      ["seed", "seed of the fleet (default 1): device i's room and user come from it and i, so the same seed replays the same fleet, in any shards"],
      ["rate", "devices connecting a second, over all the workers (default 200)"],
      ["duration", "stop after T of simulated time (default 60s)"],
      "json",
      "fleet-secret",
      "cloud-user",
      "cloud-password",
      "broker-wait",
      "shard",
      "workers",
      "summary",
      "observe",
    ],
    example: "hearth fleet aircon --count 300 --shard 0/3 --broker mqtt://127.0.0.1:1883 --summary shard-0.json && hearth fleet merge shard-*.json",
  },
  keys: { usage: "hearth keys new --out DIR", summary: "make a signing key pair: DIR/hearth.key (secret) and DIR/hearth.pub", options: [["out", "the folder for the key pair"]], example: "hearth keys new --out keys/" },
  build: {
    usage: "hearth build PATH --board B --key FILE [options]",
    summary: "build a signed firmware image of the example folder or module at PATH (TypeScript or JavaScript); with --target moddable, a Moddable SDK project for an ESP32 dev board",
    options: ["board", "key", "fw-version", "counter", ["out", "the image file (default NAME.hfw), or the project folder with --target moddable"], "target", ["broker", "--target moddable: the broker the board connects to"], "ca", ["device", "--target moddable: the board's device id"], "device-secret", "issued-at"],
    example: "hearth build examples/aircon --board aircon-indoor --key keys/hearth.key --fw-version 1.1.0 --counter 2",
  },
  flash: {
    usage: "hearth flash IMAGE --port HOST:PORT|DEVICE",
    summary: "write a firmware image to a board over its bootloader port; the image's header is checked before a byte is sent",
    options: [["port", "the board's bootloader port: HOST:PORT of a simulated board, or a serial device (/dev/ttyUSB0, COM3)"]],
    example: "hearth flash ac-1.0.0.hfw --port 127.0.0.1:4555",
  },
  board: {
    usage: "hearth board BOARD --pub FILE [options]",
    summary: "a simulated board that runs the image in its flash: its serial bootloader port for hearth flash, connected to the broker",
    options: ["pub", "flash", ["port", "its serial bootloader port on 127.0.0.1 (default: a free one)"], "log-port", "broker", "open", "speed", "device", "duration", "engine", "json"],
    example: "hearth board aircon-indoor --pub keys/hearth.pub --flash board.flash --port 4555",
  },
  ota: {
    usage: "hearth ota IMAGE --to ID[,ID...] [options]",
    summary: "update devices over the air and follow each until it runs the new image or says why not",
    options: ["to", "share", "max-failures", ...cloudClient],
    example: "hearth ota ac-1.1.0.hfw --to aircon-indoor-1 --broker 'mqtt://hearth:PASSWORD@127.0.0.1:1883'",
  },
  image: {
    usage: "hearth image inspect FILE [--pub KEY]",
    summary: "what an image is: board, version, security counter, size, the bundle's SHA-256; with --pub, whether its signature verifies",
    options: [["pub", "check the signature with this public key (hearth.pub)"], "json"],
    example: "hearth image inspect ac-1.1.0.hfw --pub keys/hearth.pub",
  },
  watch: {
    usage: "hearth watch [DEVICE] [options]",
    summary: "print each frame on the link decoded: its message type, its members by name, values with units (all devices, or one)",
    options: [...cloudClient, "app", ["json", "one JSON line a frame"]],
    example: "hearth watch sim-aircon-1 --broker 'mqtt://hearth:PASSWORD@127.0.0.1:1883'",
  },
  get: {
    usage: "hearth get DEVICE [PROPERTY...] [options]",
    summary: "a device's reported state, through the cloud library",
    options: [...cloudClient, "app", "wait", "json"],
    example: "hearth get sim-aircon-1 target --broker 'mqtt://hearth:PASSWORD@127.0.0.1:1883'",
  },
  set: {
    usage: "hearth set DEVICE NAME=VALUE... [options]",
    summary: "set properties of a device and wait for its answer (values are JSON, or text)",
    options: [...cloudClient, "app", "wait"],
    example: "hearth set sim-aircon-1 target=22 mode=heat --broker 'mqtt://hearth:PASSWORD@127.0.0.1:1883'",
  },
  invoke: {
    usage: "hearth invoke DEVICE ACTION [NAME=VALUE...] [options]",
    summary: "invoke an action of a device and print its result",
    options: [...cloudClient, "app", "wait"],
    example: "hearth invoke sim-aircon-1 selfClean --broker 'mqtt://hearth:PASSWORD@127.0.0.1:1883'",
  },
  new: {
    usage: "hearth new NAME",
    summary: "make a TypeScript appliance project in the folder NAME: a model, firmware, a simulated plant, a test, a README",
    options: [],
    example: "hearth new toaster && cd toaster && npx hearth sim app.ts",
  },
  monitor: {
    usage: "hearth monitor HOST:PORT|DEVICE",
    summary: "a board's log as it comes: a simulated board's log port (hearth sim or hearth board --log-port), or a real board's UART (/dev/ttyUSB0; the optional package serialport, at HEARTH_BAUD)",
    options: [],
    example: "hearth monitor 127.0.0.1:4556",
  },
  model: { usage: "hearth model export APP [--out DIR]", summary: "write APP's thing model as a document (DIR/<id>.json) and its deterministic CBOR (DIR/<id>.cbor), and print its hash", options: [["out", "the folder (default .)"]], example: "hearth model export aircon --out models/" },
  broker: {
    usage: "hearth broker config --devices FILE --out DIR [--port P]",
    summary: "write a Mosquitto configuration (password file, ACL) that admits the devices and backends in FILE",
    options: ["devices", ["out", "the folder for mosquitto.conf, passwords and acl"], ["port", "the port Mosquitto listens on (default 1883)"]],
    example: "hearth broker config --devices devices.json --out mosquitto/ --port 8883",
  },
  cloud: {
    usage: "hearth cloud serve --broker URL --store URL --tokens FILE [options]",
    summary: "one instance of the cloud tier: takes its share of the devices' uplink ($share/G/h/+/u), keeps the fleet in PostgreSQL, and serves the HTTP API to the clients in --tokens; start several on one store and broker (sdk/cloud/node/README.md)",
    options: [["broker", "the broker (one with shared subscriptions: Mosquitto, EMQX, HiveMQ); a login as mqtt://USER:PASSWORD@HOST:PORT, or --cloud-user/--cloud-password"], "store", "tokens", "http-port", "group", "apps", "retention", "cloud-user", "cloud-password"],
    example: "hearth cloud serve --broker mqtt://cloud-1:PASSWORD@127.0.0.1:1883 --store postgres://hearth@127.0.0.1/hearth --tokens tokens.json --http-port 8081",
  },
  console: {
    usage: "hearth console --cloud URL --token-file FILE [DEVICE...] [options]",
    summary:
      "the web console over a running cloud tier's HTTP API (hearth cloud serve): a card per device from the API (its model, reported and desired state, presence, history, live reports and events), sets that name the version they expect (a 412 shown as such) and actions through it; the simulator's controls are hearth sim's. DEVICE...: the devices to show (default: the first 24 the API lists). Served on 127.0.0.1 with this run's token, as hearth sim's",
    options: ["cloud", "token-file", ["console-port", "serve the console on 127.0.0.1:P (default 8080, or a free one if that is taken; a port given here must be free)"]],
    example: "hearth console --cloud http://127.0.0.1:8081 --token-file console.token fleet-1 fleet-2",
  },
  help: { usage: "hearth help [COMMAND]", summary: "the commands, or one command's options", options: [], example: "hearth help flash" },
};

/** The help of `name` as `command` has it. */
export function optionHelp(command: string, name: OptionName): string {
  for (const o of COMMANDS[command]?.options ?? []) if (typeof o !== "string" && o[0] === name) return o[1];
  return OPTIONS[name].help;
}

export function optionNames(command: string): OptionName[] {
  return (COMMANDS[command]?.options ?? []).map((o) => (typeof o === "string" ? o : o[0]));
}

function label(name: OptionName): string {
  const spec: OptionSpec = OPTIONS[name];
  return `--${name}${spec.value === undefined ? "" : ` ${spec.value}`}`;
}

/** `hearth COMMAND --help`. */
export function commandHelp(command: string): string {
  const c = COMMANDS[command] as CommandSpec;
  const names = optionNames(command);
  const width = Math.max(0, ...names.map((n) => label(n).length)) + 2;
  const lines = [`Usage: ${c.usage}`, "", wrap(c.summary, 0), ""];
  if (names.length > 0) lines.push("Options:", ...names.map((n) => `  ${label(n).padEnd(width)}${wrap(optionHelp(command, n), width + 2)}`), "");
  lines.push("Example:", `  ${c.example}`);
  return lines.join("\n");
}

/** `hearth help`: every command in a line or two. */
export function overview(): string {
  const lines = ["hearth: appliance firmware SDK", "", "Commands:"];
  for (const c of Object.values(COMMANDS)) lines.push(`  ${c.usage}`, `      ${wrap(c.summary, 6)}`);
  lines.push("", "hearth COMMAND --help explains a command's options, with an example. Ctrl-C stops cleanly.");
  return lines.join("\n");
}

/** The README's table of a command's options (markdown), as generated between its markers. */
export function readmeOptionsTable(command: string): string {
  const rows = optionNames(command).map((n) => `| \`${label(n)}\` | ${optionHelp(command, n).replaceAll("|", "\\|")} |`);
  return ["| option | meaning |", "|---|---|", ...rows].join("\n");
}

function wrap(text: string, indent: number, width = 100): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  out.push(line);
  return out.join(`\n${" ".repeat(indent)}`);
}

/** The closest of `candidates` to `word` (edit distance at most 2, or a prefix), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 1 : distance(word, c);
    if (d <= 2 && (best === undefined || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * `text` (the README) with each generated options table rewritten from the
 * table above: the block between `<!-- options: COMMAND -->` and `<!-- /options -->`.
 */
export function withOptionTables(text: string): string {
  return text.replace(/(<!-- options: ([a-z]+) -->\n)[\s\S]*?(<!-- \/options -->)/g, (_, open: string, command: string, close: string) => `${open}${readmeOptionsTable(command)}\n${close}`);
}
