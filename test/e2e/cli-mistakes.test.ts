import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outsideBroker } from "../support/brokers.js";
import { hearth, STACK_FRAME, type CliRun } from "../support/hearth-cli.js";
import { freePort, mosquittoBinary, OwnMosquitto } from "../support/mosquitto.js";

/**
 * Each mistake the CLI issue (28) lists, as a user makes it: one line naming
 * it, exit code 2, no stack trace, nothing written or sent.
 */
function expectNamed(r: CliRun, message: RegExp, what: string): void {
  expect(r.stderr, what).toMatch(message);
  expect(`${r.stdout}${r.stderr}`, what).not.toMatch(STACK_FRAME);
  expect(r.stderr.trim().split("\n").length, `${what}: one line\n${r.stderr}`).toBe(1);
  expect(r.code, what).toBe(2);
}

/** A TCP server that counts the bytes it is sent: a "board" that must hear nothing. */
async function byteCounter(): Promise<{ server: Server; port: number; received: () => number }> {
  let received = 0;
  const server = createServer((s) => s.on("data", (d: Buffer) => (received += d.length))).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return { server, port: (server.address() as { port: number }).port, received: () => received };
}

describe("hearth CLI: mistakes named before harm", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mistakes28-"));
  let key = "";
  let pub = "";
  let image = "";

  beforeAll(async () => {
    expect((await hearth(["keys", "new", "--out", dir])).code).toBe(0);
    key = join(dir, "hearth.key");
    pub = join(dir, "hearth.pub");
    image = join(dir, "aircon.hfw");
    const built = await hearth(["build", "examples/aircon", "--board", "aircon-indoor", "--key", key, "--out", image]);
    expect(built.code, built.stderr).toBe(0);
  }, 60_000);

  it("build: an unknown board, and the public key given as --key, are refused; nothing is written", async () => {
    const out = join(dir, "refused.hfw");
    expectNamed(await hearth(["build", "examples/aircon", "--board", "aircon-outdoor", "--key", key, "--out", out]), /no board called aircon-outdoor for this firmware: it is wired for aircon-indoor/, "unknown board");
    expectNamed(await hearth(["build", "examples/aircon", "--board", "aircon-indoor", "--key", pub, "--out", out]), /--key .*hearth\.pub is a public key: sign with the secret one \(hearth\.key\)/, "public key as --key");
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("flash: a file that is not an image, or a short or empty one, is refused before a byte is sent", async () => {
    const board = await byteCounter();
    try {
      const short = join(dir, "short.hfw");
      writeFileSync(short, Buffer.alloc(10, 1));
      const empty = join(dir, "empty.hfw");
      writeFileSync(empty, "");
      const at = `127.0.0.1:${board.port}`;
      expectNamed(await hearth(["flash", pub, "--port", at]), /hearth\.pub is not a Hearth firmware image/, "public key flashed");
      expectNamed(await hearth(["flash", short, "--port", at]), /short\.hfw is not a Hearth firmware image: an image needs at least 160 bytes, got 10/, "short image");
      expectNamed(await hearth(["flash", empty, "--port", at]), /empty\.hfw is not a Hearth firmware image: an image needs at least 160 bytes, got 0/, "empty image");
      expect(board.received(), "bytes the board was sent").toBe(0);
    } finally {
      board.server.close();
    }
  });

  it("flash --port: not an address is named, never Node's internal message", async () => {
    expectNamed(await hearth(["flash", image, "--port", "abc"]), /--port "abc" is not HOST:PORT \(a simulated board\) or a serial device/, "--port abc");
    expectNamed(await hearth(["flash", image, "--port", ""]), /--port "" is not HOST:PORT/, "--port ''");
    expectNamed(await hearth(["flash", image, "--port", "127.0.0.1:99999"]), /--port "127\.0\.0\.1:99999" is not HOST:PORT/, "--port out of range");
  });

  it("an explicit --port or --console-port that is taken is an error, not silently replaced", async () => {
    const busy = await byteCounter();
    try {
      const port = String(busy.port);
      expectNamed(await hearth(["sim", "--port", port, "--no-console", "--duration", "1m", "--speed", "600"]), new RegExp(`--port ${port}: the port is in use`), "--port taken");
      expectNamed(await hearth(["sim", "--port", "0", "--console-port", port, "--duration", "1m", "--speed", "600"]), new RegExp(`--console-port ${port}: the port is in use`), "--console-port taken");
    } finally {
      busy.server.close();
    }
  });

  it("fleet without --count is refused rather than starting 100 devices with no end", async () => {
    expectNamed(await hearth(["fleet", "aircon"]), /hearth fleet needs --count N/, "fleet without --count");
    // Watching beside a cloud tier needs the tier's broker: the embedded one has no tier on it.
    expectNamed(await hearth(["fleet", "aircon", "--count", "2", "--observe"]), /--observe leaves the devices to a cloud tier .* give that broker as --broker/, "fleet --observe without --broker");
  });

  it("broker config names a bad backend user as a user, not a device id", async () => {
    const file = join(dir, "setup.json");
    writeFileSync(file, JSON.stringify({ devices: [{ id: "ac-1", secret: "00".repeat(16), issuedAt: 0 }], backends: [{ user: "cloud\ntopic readwrite #", password: "p" }] }));
    const r = await hearth(["broker", "config", "--devices", file, "--out", join(dir, "mq")]);
    expectNamed(r, /backends\[0\]: user "cloud\\ntopic readwrite #" is not a user name/, "bad backend user");
    expect(r.stderr).not.toMatch(/device id/);
  });

  it("sim of a module that is not there is one line; a TypeScript app runs", async () => {
    expectNamed(await hearth(["sim", "./nope.js"]), /\.\/nope\.js: no such file/, "sim ./nope.js");
    expectNamed(await hearth(["sim", "./nope.ts"]), /\.\/nope\.ts: no such file/, "sim ./nope.ts");
    const ts = await hearth(["sim", "examples/aircon/app.ts", "--speed", "2000", "--duration", "30m", "--json", "--port", "0"]);
    expect(ts.code, ts.stderr).toBe(0);
    const summary = JSON.parse(ts.stdout.trim().split("\n").at(-1) as string) as { appliance: string; cloud: { reports: number } };
    expect(summary.appliance).toBe("aircon");
    expect(summary.cloud.reports).toBeGreaterThan(3);
  }, 60_000);

  it("an unknown option or command gets a did-you-mean", async () => {
    expectNamed(await hearth(["sim", "--sped", "60"]), /unknown option --sped; did you mean --speed\?/, "--sped");
    expectNamed(await hearth(["buld", "examples/aircon"]), /unknown command "buld"; did you mean hearth build\?/, "buld");
    expectNamed(await hearth(["flash", image, "--prot", "1"]), /unknown option --prot; did you mean --port\?/, "--prot");
  });

  it("fleet --json stopped by Ctrl-C still prints its summary", async () => {
    // --json prints nothing until the end: Ctrl-C once the fleet has had time to start (it would run a minute).
    const r = await hearth(["fleet", "aircon", "--count", "3", "--speed", "10", "--json"], 5_000);
    expect(r.code).toBe(130);
    const line = r.stdout.trim().split("\n").at(-1) as string;
    const summary = JSON.parse(line) as { devices: number; stoppedBy?: string };
    expect(summary.devices).toBe(3);
  }, 60_000);
});

// Login refusals need a broker that checks logins: Mosquitto with the configuration `hearth broker config` writes.
const mosquitto = outsideBroker() === undefined ? undefined : mosquittoBinary();
describe.skipIf(mosquitto === undefined)("hearth CLI: a login refused is said to be one (Mosquitto)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-login28-"));
  chmodSync(dir, 0o755); // Mosquitto, started as root, reads its files as the user mosquitto
  const secret = "00112233445566778899aabbccddeeff";
  let broker: OwnMosquitto;
  let url = "";
  let image = "";

  beforeAll(async () => {
    const port = await freePort();
    const setup = join(dir, "setup.json");
    writeFileSync(setup, JSON.stringify({ devices: [{ id: "ac-1", secret, issuedAt: 0 }], backends: [{ user: "cloud", password: "pw" }, { user: "ota", password: "secret-pw" }] }));
    const config = await hearth(["broker", "config", "--devices", setup, "--out", join(dir, "mq"), "--port", String(port)]);
    expect(config.code, config.stderr).toBe(0);
    broker = new OwnMosquitto(mosquitto as string, join(dir, "mq", readdirSync(join(dir, "mq")).find((f) => f.endsWith(".conf")) as string), port);
    await broker.start();
    url = `mqtt://127.0.0.1:${port}`;
    expect((await hearth(["keys", "new", "--out", dir])).code).toBe(0);
    image = join(dir, "aircon.hfw");
    expect((await hearth(["build", "examples/aircon", "--board", "aircon-indoor", "--key", join(dir, "hearth.key"), "--out", image])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await broker?.kill();
  });

  const sim = ["sim", "--device", "ac-1", "--no-console", "--speed", "60", "--duration", "10m"];

  it("sim: a wrong cloud password is a login refused, with the user, at once (not 'no broker answered')", async () => {
    const r = await hearth([...sim, "--broker", url, "--device-secret", secret, "--cloud-user", "cloud", "--cloud-password", "wrong"]);
    expectNamed(r, /the broker at mqtt:\/\/127\.0\.0\.1:\d+ refused the cloud's login \(user "cloud"\): not authorised/, "wrong cloud password");
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);

  it("sim: a wrong device secret is named, not a link down forever", async () => {
    const r = await hearth([...sim, "--broker", url, "--device-secret", "ffeeddccbbaa99887766554433221100", "--cloud-user", "cloud", "--cloud-password", "pw"]);
    expectNamed(r, /refused device ac-1's login: not authorised \(check --device-secret and --issued-at\)/, "wrong device secret");
  }, 30_000);

  it("sim with the cloud's login in the broker URL runs, and never prints the password", async () => {
    const r = await hearth([...sim, "--broker", url.replace("//", "//cloud:pw@"), "--device-secret", secret, "--speed", "600", "--duration", "2m"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/broker {2}mqtt:\/\/cloud:\*\*\*@127\.0\.0\.1:\d+/);
    expect(r.stdout).not.toContain(":pw@");
  }, 30_000);

  it("fleet without --fleet-secret against a broker that checks logins stops with the reason", async () => {
    const r = await hearth(["fleet", "aircon", "--count", "2", "--broker", url, "--cloud-user", "cloud", "--cloud-password", "pw", "--duration", "30s"]);
    expectNamed(r, /refused the devices' logins \(device fleet-\d+\): not authorised; give --fleet-secret/, "fleet with no credentials");
    expect(r.ms).toBeLessThan(20_000);
  }, 40_000);

  it("ota: a wrong password is a login refused; the password is never printed; a device never heard from is named", async () => {
    const refused = await hearth(["ota", image, "--to", "ac-1", "--broker", url.replace("//", "//ota:wrong@")]);
    expectNamed(refused, /refused the cloud's login \(user "ota"\): not authorised/, "ota wrong password");
    const waiting = await hearth(["ota", image, "--to", "ghost-1", "--broker", url.replace("//", "//ota:secret-pw@")], 30_000, /never heard from/);
    expect(waiting.stdout).not.toContain("secret-pw");
    expect(waiting.stdout).toMatch(/mqtt:\/\/ota:\*\*\*@127\.0\.0\.1/);
    expect(waiting.stdout).toMatch(/ghost-1: never heard from \(offline, or the id is mistyped\)/);
  }, 60_000);
});

