import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cli, hearth } from "../support/hearth-cli.js";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("hearth CLI", () => {
  it("sim --speed --duration --json ends by itself with one JSON summary line", async () => {
    const { code, stdout } = await hearth(["sim", "aircon", "--speed", "2000", "--duration", "45m", "--json", "--port", "0"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines.length).toBe(1);
    const summary = JSON.parse(lines[0]!) as Record<string, any>;
    expect(summary["stoppedBy"]).toBe("duration");
    expect(summary["simulatedMs"]).toBe(45 * 60_000);
    expect(summary["cloud"]["reports"]).toBeGreaterThan(10);
    expect(summary["readings"]["roomC"]).toBeLessThan(26); // cooled from 30 toward 24
    expect(summary["faults"]).toBe(0);
  });

  it("sim washer fridge vacuum aircon runs all four at once, with a JSON summary of each", async () => {
    const { code, stdout } = await hearth(["sim", "washer", "fridge", "vacuum", "aircon", "--speed", "2000", "--duration", "30m", "--json", "--port", "0"]);
    expect(code).toBe(0);
    const summaries = JSON.parse(stdout.trim()) as { appliance: string; deviceId: string; cloud: { reports: number; online: boolean }; faults: number }[];
    expect(summaries.map((s) => [s.appliance, s.deviceId])).toEqual([
      ["washer", "sim-washer-1"],
      ["fridge", "sim-fridge-1"],
      ["vacuum", "sim-vacuum-1"],
      ["aircon", "sim-aircon-1"],
    ]);
    for (const s of summaries) {
      expect(s.cloud.online, s.deviceId).toBe(true);
      expect(s.cloud.reports, s.deviceId).toBeGreaterThan(0);
      expect(s.faults, s.deviceId).toBe(0);
    }
  });

  it("sim washer fridge vacuum --engine embedded: each image boots in QuickJS and runs within the H1's data budget", async () => {
    const { code, stdout, stderr } = await hearth(["sim", "washer", "fridge", "vacuum", "--engine", "embedded", "--speed", "500", "--duration", "20m", "--json", "--port", "0"]);
    expect(code, stderr).toBe(0);
    const summaries = JSON.parse(stdout.trim().split("\n").at(-1) as string) as { appliance: string; engine: { name: string; heap: { peakDataBytes: number } }; resets: unknown[]; faults: number; cloud: { online: boolean; reports: number } }[];
    expect(summaries.map((s) => s.appliance)).toEqual(["washer", "fridge", "vacuum"]);
    for (const s of summaries) {
      expect(s.engine.name).toBe("quickjs");
      expect(s.engine.heap.peakDataBytes, s.appliance).toBeLessThan(160 * 1024);
      expect(s.resets, s.appliance).toEqual([]);
      expect(s.faults, s.appliance).toBe(0);
      expect(s.cloud.online, s.appliance).toBe(true);
    }
  }, 90_000);

  it("sim aircon --engine xs: the image boots in Moddable's XS, reaches the cloud and runs within the H1's data budget", async () => {
    const { code, stdout, stderr } = await hearth(["sim", "aircon", "--engine", "xs", "--speed", "500", "--duration", "20m", "--json", "--port", "0"]);
    expect(code, stderr).toBe(0);
    const s = JSON.parse(stdout.trim().split("\n").at(-1) as string) as { engine: { name: string; heap: { codeBytes: number; peakDataBytes: number } }; resets: unknown[]; faults: number; cloud: { online: boolean; reports: number }; state: Record<string, unknown> } | undefined;
    expect(s?.engine.name).toBe("xs");
    expect(s?.engine.heap.codeBytes).toBeGreaterThan(0);
    expect(s?.engine.heap.peakDataBytes).toBeGreaterThan(0);
    expect(s?.engine.heap.peakDataBytes).toBeLessThan(160 * 1024);
    expect(s?.resets).toEqual([]);
    expect(s?.cloud.online).toBe(true);
    expect(s?.state).toMatchObject({ power: true, mode: "cool" });
  }, 90_000);

  it("refuses at build time a firmware that could not reach its broker: no broker, mqtts without a CA, no device or credential; exit 2, nothing written", async () => {
    const refusedOut = join(tmpdir(), `hearth-refused-${process.pid}`);
    const base = ["build", "examples/aircon", "--target", "moddable", "--board", "esp32-devkitc", "--out", refusedOut];
    const notACert = join(mkdtempSync(join(tmpdir(), "hearth-ca-")), "ca.pem");
    writeFileSync(notACert, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    const cases: [string[], RegExp][] = [
      [[], /needs --broker/],
      [["--broker", "mqtts://b.example:8883", "--device", "d", "--device-secret", "00"], /needs --ca FILE/],
      [["--broker", "mqtt://b.example", "--device-secret", "00"], /needs --device ID/],
      [["--broker", "mqtt://b.example", "--device", "d"], /needs --device-secret/],
      [["--broker", "ws://b.example", "--device", "d", "--device-secret", "00"], /mqtt:\/\/ and mqtts:\/\//],
      [["--broker", "mqtts://b.example:8883", "--device", "d", "--device-secret", "00", "--ca", notACert], /not a PEM certificate/],
    ];
    for (const [args, message] of cases) {
      const r = await hearth([...base, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\bat \w+ \(/);
    }
    expect(existsSync(refusedOut), "nothing was written").toBe(false);
    const board = await hearth(["build", "examples/aircon", "--target", "moddable", "--board", "esp32"]);
    expect(board.code).toBe(2);
    expect(board.stderr).toMatch(/esp32-devkitc, esp32-s3-devkitc-1/);
  }, 60_000);

  it("build --target moddable with mqtts and a CA: the board trusts exactly that certificate (its DER, as openssl writes it)", async () => {
    const { execFileSync } = await import("node:child_process");
    const dir = mkdtempSync(join(tmpdir(), "hearth-ca-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=hearth test CA", "-days", "1", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem")], { stdio: "ignore" });
    const der = execFileSync("openssl", ["x509", "-in", join(dir, "ca.pem"), "-outform", "DER"]);
    const out = join(dir, "project");
    const r = await hearth(["build", "examples/aircon", "--target", "moddable", "--board", "esp32-devkitc", "--broker", "mqtts://broker.example:8883", "--device", "kitchen-ac", "--device-secret", "00112233", "--ca", join(dir, "ca.pem"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "hearth-ca.der")).equals(der)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { config: { hearth: Record<string, unknown> }; resources: Record<string, string[]> };
    expect(manifest.config.hearth).toMatchObject({ tls: true, broker: "broker.example", port: 8883, deviceId: "kitchen-ac", user: "kitchen-ac" });
    expect(manifest.config.hearth["password"]).toMatch(/^v1\.0\.[0-9a-f]{64}$/);
    expect(manifest.resources["*"]).toEqual(["./hearth-factory", "./hearth-ca"]);
  });

  it("sim --engine quickjs is refused with the engines there are, exit 2, no stack trace", async () => {
    const { code, stderr } = await hearth(["sim", "aircon", "--engine", "quickjs"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--engine must be node, embedded or xs/);
    expect(stderr).not.toMatch(/\bat \w+ \(/);
  });

  it("sim --engine embedded boots the example's image in QuickJS and runs it like the Node host", async () => {
    const args = ["sim", "aircon", "--speed", "1000", "--duration", "1h", "--json", "--port", "0"];
    const [embedded, node] = await Promise.all([hearth([...args, "--engine", "embedded"]), hearth(args)]);
    expect(embedded.code).toBe(0);
    const e = JSON.parse(embedded.stdout.trim().split("\n").at(-1) as string) as { engine: { name: string; heap: { codeBytes: number; peakDataBytes: number } }; state: Record<string, unknown>; readings: Record<string, number>; cloud: { online: boolean }; resets: unknown[] };
    const n = JSON.parse(node.stdout.trim().split("\n").at(-1) as string) as typeof e;
    expect(e.engine.name).toBe("quickjs");
    expect(e.engine.heap.peakDataBytes).toBeLessThan(160 * 1024);
    expect(e.cloud.online).toBe(true);
    expect(e.resets).toEqual([]);
    expect(e.state).toMatchObject({ power: true, mode: "cool", target: 24 });
    // The same room after the same hour, whichever engine ran the firmware.
    expect(Math.abs((e.readings["roomC"] as number) - (n.readings["roomC"] as number))).toBeLessThan(0.3);
    expect((await hearth(["sim", "--engine", "v8"])).stderr).toMatch(/--engine must be node, embedded or xs/);
  }, 60_000);

  it("fleet: N appliances with per-device credentials on the embedded broker, and a JSON summary", async () => {
    const { code, stdout } = await hearth(["fleet", "aircon", "--count", "25", "--speed", "10", "--duration", "30s", "--rate", "200", "--json"]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1) as string) as { online: number; reportsMade: number; reportsReceived: number; sets: { answered: number } };
    expect(summary.online).toBe(25);
    expect(summary.reportsReceived).toBe(summary.reportsMade);
    expect(summary.sets.answered).toBe(25);
    expect((await hearth(["fleet", "aircon", "--count", "9000"])).stderr).toMatch(/too many for the embedded broker/);
  }, 60_000);

  it("stops cleanly on Ctrl-C and shows the broker and the status", async () => {
    const { code, stdout } = await hearth(["sim", "--speed", "60", "--port", "0"], 2500);
    expect(code).toBe(0);
    expect(stdout).toMatch(/broker {2}mqtt:\/\/127\.0\.0\.1:\d+ \(embedded; each device logs in with its own credential\)/);
    expect(stdout).toMatch(/room \d+\.\d °C → 24\.0 °C \| Cool/);
    expect(stdout).toMatch(/stopped by interrupt/);
  });

  it("on an 80-column terminal, the four appliances' status is a line each, fitted whole part by whole part, in the model's words", () => {
    // A real terminal (util-linux's script gives the CLI a pty), 80 columns wide.
    const run = spawnSync("script", ["-qfec", `stty cols 80 rows 50; exec timeout -s INT 6 ${process.execPath} ${cli} sim aircon washer fridge vacuum --speed 60 --port 0 --no-console`, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
    const pieces = run.stdout.split(/\r|\n|\x1b\[\d*[AJK]/).filter((p) => / \| /.test(p) && /sim-[a-z]+-1: /.test(p));
    expect(pieces.length).toBeGreaterThan(4);
    for (const piece of pieces) expect([...piece].length, piece).toBeLessThanOrEqual(79);
    const ids = new Set(pieces.map((p) => /(sim-[a-z]+-1):/.exec(p)?.[1]));
    expect([...ids].sort()).toEqual(["sim-aircon-1", "sim-fridge-1", "sim-vacuum-1", "sim-washer-1"]);
    // Parts are dropped whole (marked "…"), never cut in the middle; the model's words, not its values.
    expect(pieces.some((p) => p.endsWith(" …"))).toBe(true);
    expect(run.stdout).toMatch(/sim-washer-1: Cotton 40 °C 1200 rpm \| Idle/);
    expect(run.stdout).toMatch(/sim-vacuum-1: Docked/);
  });

  it("--flash keeps the board's settings between runs", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const file = join(mkdtempSync(join(tmpdir(), "hearth-cli-")), "aircon.flash");
    const first = await hearth(["sim", "--speed", "2000", "--duration", "1m", "--json", "--port", "0", "--flash", file]);
    expect(first.code).toBe(0);
    const second = await hearth(["sim", "--speed", "2000", "--duration", "1m", "--port", "0", "--flash", file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/flash {3}.*aircon\.flash \(settings and logs from the last run\)/);
  });

  it("connects to an outside broker over TLS with a device credential and a cloud login", async () => {
    const { makeCertificates } = await import("../support/tls.js");
    const { startBroker } = await import("../../sdk/desk/node/mqtt/broker.js");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const certs = makeCertificates();
    const secret = "0011223344556677";
    const broker = await startBroker({
      port: 0,
      tls: { key: certs.key, cert: certs.cert },
      auth: {
        device: (id) => (id === "ac-1" ? { secret: Uint8Array.from(Buffer.from(secret, "hex")), issuedAt: 1000 } : undefined),
        backends: new Map([["cloud", "pw"]]),
      },
    });
    const ca = join(mkdtempSync(join(tmpdir(), "hearth-ca-")), "ca.pem");
    writeFileSync(ca, certs.ca);
    try {
      const args = ["sim", "--broker", broker.url, "--ca", ca, "--device", "ac-1", "--cloud-user", "cloud", "--cloud-password", "pw", "--speed", "600", "--duration", "3m", "--json"];
      const ok = await hearth([...args, "--device-secret", secret, "--issued-at", "1000"]);
      expect(ok.code).toBe(0);
      expect((JSON.parse(ok.stdout.trim()) as { cloud: { reports: number } }).cloud.reports).toBeGreaterThan(3);
      // A wrong secret gets nowhere, and says so: the broker's refusal, with whose login it was (issue 28).
      const refused = await hearth([...args, "--device-secret", "ffeeddcc", "--issued-at", "1000"]);
      expect(refused.stderr).toMatch(/refused device ac-1's login: (not authorised|bad user name or password) \(check --device-secret and --issued-at\)/);
      expect(refused.code).toBe(2);
    } finally {
      await broker.close();
    }
  }, 60_000);

  for (const engine of ["node", "embedded"] as const) {
    it(`${engine} engine: keys new, build, board, flash, ota: an image is flashed to a simulated board, updated over the air, and kept in its flash file`, async () => {
      const { mkdtempSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const dir = mkdtempSync(join(tmpdir(), "hearth-flash-"));
      expect((await hearth(["keys", "new", "--out", dir])).code).toBe(0);
      const build = (version: string, counter: string) =>
        hearth(["build", "examples/aircon", "--board", "aircon-indoor", "--key", join(dir, "hearth.key"), "--fw-version", version, "--counter", counter, "--out", join(dir, `aircon-${version}.hfw`)]);
      const built = await build("1.2.0", "1");
      expect(built.code).toBe(0);
      expect(built.stdout).toMatch(/aircon-1\.2\.0\.hfw: \d+ bytes \(header 96, bundle \d+, signature 64\), board aircon-indoor, version 1\.2\.0/);
      expect(built.stdout).toMatch(/examples\s+\d+ bytes/);
      expect((await build("1.3.0", "2")).code).toBe(0);

      const boardArgs = ["board", "aircon-indoor", "--pub", join(dir, "hearth.pub"), "--flash", join(dir, "board.flash"), "--port", "0", "--engine", engine];
      const board = spawn(process.execPath, [cli, ...boardArgs], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      board.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const waitFor = (pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> =>
        new Promise((resolve, reject) => {
          const end = Date.now() + ms;
          const check = (): void => {
            const m = pattern.exec(out);
            if (m) resolve(m);
            else if (Date.now() > end) reject(new Error(`board never printed ${pattern}; it printed:\n${out}`));
            else setTimeout(check, 50);
          };
          check();
        });
      try {
        const port = (await waitFor(/bootloader port (127\.0\.0\.1:\d+)/))[1] as string;
        const broker = (await waitFor(/backend (mqtt:\/\/hearth:[0-9a-f]+@127\.0\.0\.1:\d+)/))[1] as string;
        await waitFor(/firmware none \(waiting for hearth flash\)/);
        const flashed = await hearth(["flash", join(dir, "aircon-1.2.0.hfw"), "--port", port]);
        expect(flashed.stdout).toMatch(/flashed \d+ bytes to board aircon-indoor: verified, booting/);
        await waitFor(/trial: trying the new image in slot B/);
        await waitFor(/firmware 1\.2\.0 confirmed: it reached the cloud and passed its self-tests/);

        // Ctrl-C mid-download: hearth ota says it stops serving; run again, the same update resumes.
        const otaArgs = ["ota", join(dir, "aircon-1.3.0.hfw"), "--to", "aircon-indoor-1", "--broker", broker];
        const first = spawn(process.execPath, [cli, ...otaArgs], { stdio: ["ignore", "pipe", "pipe"] });
        let firstOut = "";
        first.stdout.on("data", (d: Buffer) => {
          firstOut += d.toString();
          if (/downloading [1-9]\d*%/.test(firstOut)) first.kill("SIGINT");
        });
        await new Promise((r) => first.once("close", r));
        const stopped = /stopped serving update (\d+): done 0, failed 0, unfinished 1; run the same command again to resume it/.exec(firstOut);
        expect(stopped, firstOut).not.toBeNull();
        const reached = Math.max(...[...firstOut.matchAll(/downloading (\d+)%/g)].map((m) => Number(m[1])));
        const ota = await hearth(["ota", join(dir, "aircon-1.3.0.hfw"), "--to", "aircon-indoor-1", "--broker", broker]);
        expect(ota.stdout).toMatch(/firmware 1\.3\.0 \(\d+ bytes\) to 1 of 1 devices/);
        expect(ota.stdout).toContain(`update ${stopped?.[1]}:`); // the same update, not a new one from 0
        const resumedAt = Number(/downloading (\d+)%/.exec(ota.stdout)?.[1]);
        expect(resumedAt, ota.stdout).toBeGreaterThanOrEqual(Math.min(reached, 10));
        expect(resumedAt, ota.stdout).toBeGreaterThan(0);
        expect(ota.stdout).toMatch(/aircon-indoor-1: downloading \d+%[\s\S]*aircon-indoor-1: ready[\s\S]*aircon-indoor-1: installing[\s\S]*aircon-indoor-1: done: firmware 1\.3\.0 runs/);
        expect(ota.code).toBe(0);
        await waitFor(/firmware 1\.3\.0 confirmed/);
      } finally {
        board.kill("SIGINT");
        await new Promise((r) => board.on("close", r));
      }
      // The board kept its flash: started again, it runs the confirmed update.
      const again = await hearth(boardArgs, 30_000, /firmware \S+ on board|firmware none/);
      expect(again.stdout).toMatch(/aircon firmware 1\.3\.0 on board aircon-indoor/);
    }, 90_000);
  }

  it("says what is wrong with bad arguments, with exit code 2", async () => {
    for (const [args, message] of [
      [["sim", "toaster"], /no example called toaster/],
      [["sim", "--speed", "fast"], /--speed must be a number/],
      [["sim", "--duration", "soon", "--port", "0"], /not a duration: "soon"/],
      [["launch"], /unknown command "launch"/],
      [["sim", "washer", "fridge", "--device", "w-1"], /--device names one appliance/],
      [["sim", "washer", "--console-port", "99999"], /--console-port must be/],
      // An app module that is there but maps to no Matter device type (a missing one is "no such file", before --matter).
      [["sim", "dist/examples/aircon/app.js", "--matter"], /^hearth: --matter: dist\/examples\/aircon\/app\.js has no Matter mapping/],
      [["sim", "./no-such-app.js", "--matter"], /^hearth: \.\/no-such-app\.js: no such file/],
    ] as const) {
      const { code, stderr } = await hearth([...args]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    }
  });

  it("every mistake a user makes is named, exits 2, prints no stack trace, and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-mistakes-"));
    const devices = (body: unknown): string => {
      const file = join(dir, `devices-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body));
      return file;
    };
    const secret = "00112233445566778899aabbccddeeff";
    const busy = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => busy.once("listening", r));
    const busyPort = String((busy.address() as { port: number }).port);
    const pub = join(dir, "hearth.pub");
    writeFileSync(pub, `${"ab".repeat(32)}\n`);
    const image = join(dir, "some.hfw");
    writeFileSync(image, "not an image");
    try {
      const cases: [string[], RegExp][] = [
        [["board", "aircon-indoor", "--pub", join(dir, "missing.pub")], /--pub .*missing\.pub: no such file/],
        [["board", "aircon-indoor", "--pub", dir], /--pub .* is a folder, not a file/],
        [["flash", dir, "--port", "127.0.0.1:1"], /the image .* is a folder, not a file/],
        [["build", "examples/aircon", "--board", "aircon-indoor", "--key", join(dir, "none.key")], /--key .*none\.key: no such file/],
        [["build", "examples/aircon", "--board", "aircon-indoor", "--key", image, "--out", join(dir, "nowhere", "x.hfw")], /--out .*: the folder .*nowhere does not exist/],
        [["keys", "new", "--out", "/proc/hearth-keys"], /--out \/proc\/hearth-keys: cannot make/],
        [["board", "aircon-indoor", "--pub", pub, "--port", busyPort], /port is in use \(EADDRINUSE\)/],
        [["sim", "--broker", "not a url"], /--broker must be a URL/],
        [["sim", "--broker", "http://127.0.0.1:1883"], /--broker must be an mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ URL/],
        [["sim", "--device", "a/b"], /--device "a\/b" is not a device id/],
        [["sim", "--flash", dir], /--flash .* is a directory, not a file/],
        [["sim", "--flash", join(dir, "no", "such", "board.flash")], /--flash .*board\.flash cannot be made/],
        [["broker", "config", "--devices", devices("{ not json"), "--out", join(dir, "mq1")], /is not JSON/],
        [["broker", "config", "--devices", devices({ devices: "x" }), "--out", join(dir, "mq2")], /has no "devices" list/],
        [["broker", "config", "--devices", devices({ devices: [{ id: "+", secret, issuedAt: 1 }] }), "--out", join(dir, "mq3")], /devices\[0\]: device id "\+" must be/],
        [["broker", "config", "--devices", devices({ devices: [{ id: "a/b", secret, issuedAt: 1 }] }), "--out", join(dir, "mq4")], /devices\[0\]: device id "a\/b"/],
        [["broker", "config", "--devices", devices({ devices: [{ id: "", secret, issuedAt: 1 }] }), "--out", join(dir, "mq5")], /devices\[0\]: device id ""/],
        [["broker", "config", "--devices", devices({ devices: [{ id: "x:y", secret, issuedAt: 1 }] }), "--out", join(dir, "mq6")], /device id "x:y"/],
        [["broker", "config", "--devices", devices({ devices: [{ id: "ok-1", secret, issuedAt: 1 }], backends: [{ user: "cloud\ntopic readwrite #", password: "p" }] }), "--out", join(dir, "mq7")], /backends\[0\]: user "cloud\\ntopic/],
        [["broker", "config", "--devices", devices({ devices: [{ id: "#", secret, issuedAt: 1 }] }), "--out", join(dir, "mq8")], /device id "#"/],
        [["sim", "--speed", "-1"], /--speed must be a number from 0\.001/],
        [["sim", "--seed", "-1"], /--seed must be a number from 0/],
        [["fleet", "aircon", "--count", "-5"], /--count must be a number from 1/],
        [["fleet", "aircon", "--count", "1.5"], /--count must be a whole number/],
        [["fleet", "aircon", "--count", "10", "--shard", "1/2"], /--shard splits one fleet .* give --broker/],
        [["fleet", "aircon", "--count", "10", "--shard", "2-3"], /--shard must be i\/n/],
        [["fleet", "aircon", "--count", "10", "--workers", "0"], /--workers must be a number from 1/],
        [["fleet", "merge", join(dir, "none.json")], /none\.json: no such file/],
        [["fleet", "merge", devices({ devices: [] })], /not a fleet summary/],
        [["ota", image, "--to", ","], /--to names no device/],
        [["ota", image, "--to", "a/b"], /--to "a\/b" is not a device id/],
        [["ota", image, "--to", "ac-1", "--share", "2"], /--share must be a number from 0 to 1/],
      ];
      for (const [args, message] of cases) {
        const { code, stdout, stderr } = await hearth(args);
        expect(stderr, args.join(" ")).toMatch(message);
        expect(`${stdout}${stderr}`, args.join(" ")).not.toMatch(/\n\s+at .*[(:]\d+/); // no stack frames
        expect(code, args.join(" ")).toBe(2);
      }
      // Nothing was written by a refused command.
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) expect(existsSync(join(dir, `mq${n}`, "passwords")), `mq${n}`).toBe(false);
      expect(existsSync(join(dir, "no"))).toBe(false);
    } finally {
      busy.close();
    }
  });

  it("a broker that is not there: sim and fleet say they wait, give up with exit 2, and stop at once on SIGTERM", async () => {
    const sim = await hearth(["sim", "--broker", "mqtt://127.0.0.1:1", "--broker-wait", "2s", "--no-console"]);
    expect(sim.stdout).toMatch(/waiting for the broker at mqtt:\/\/127\.0\.0\.1:1/);
    expect(sim.stderr).toMatch(/no MQTT broker answered at mqtt:\/\/127\.0\.0\.1:1 within 2 s/);
    expect(sim.code).toBe(2);
    const fleet = await hearth(["fleet", "aircon", "--count", "2", "--broker", "mqtt://127.0.0.1:1", "--broker-wait", "2s"]);
    expect(fleet.stderr).toMatch(/no MQTT broker answered/);
    expect(fleet.code).toBe(2);
    for (const args of [["sim", "--broker", "mqtt://127.0.0.1:1", "--no-console"], ["fleet", "aircon", "--count", "2", "--broker", "mqtt://127.0.0.1:1"]]) {
      const started = Date.now();
      const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      while (!out.includes("waiting for the broker") && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGTERM");
      const code = await new Promise<number | null>((r) => child.once("close", r));
      expect(Date.now() - started, args[0]).toBeLessThan(8_000);
      expect([0, 130], `${args[0]} exit ${code}`).toContain(code);
    }
  });
});
