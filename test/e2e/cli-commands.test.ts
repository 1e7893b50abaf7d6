import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as cborg from "cborg";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { cli, hearth, STACK_FRAME } from "../support/hearth-cli.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

describe("hearth new, then sim, build, image inspect and the project's own test", () => {
  it("a new TypeScript appliance sims, builds, is inspected and passes its test, as its README says", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-new-"));
    const made = await hearth(["new", "kettle"], undefined, undefined, dir);
    expect(made.code, made.stderr).toBe(0);
    const project = join(dir, "kettle");
    for (const file of ["package.json", "model.ts", "firmware.ts", "app.ts", "image.ts", "README.md", "test/heats.test.mjs"]) expect(existsSync(join(project, file)), file).toBe(true);
    // What `npm install` would do with hearth from the registry: the package in node_modules.
    mkdirSync(join(project, "node_modules"));
    symlinkSync(repo, join(project, "node_modules", "hearth"), "dir");

    const sim = await hearth(["sim", "app.ts", "--speed", "2000", "--duration", "10m", "--json", "--port", "0"], undefined, undefined, project);
    expect(sim.code, sim.stderr).toBe(0);
    const summary = JSON.parse(sim.stdout.trim().split("\n").at(-1) as string) as { appliance: string; deviceId: string; readings: { waterC: number }; faults: number };
    expect(summary).toMatchObject({ appliance: "kettle", deviceId: "sim-kettle-1", faults: 0 });
    expect(Math.abs(summary.readings.waterC - 80)).toBeLessThan(3);

    expect((await hearth(["keys", "new", "--out", "keys"], undefined, undefined, project)).code).toBe(0);
    const built = await hearth(["build", "image.ts", "--board", "kettle", "--key", "keys/hearth.key", "--out", "kettle.hfw", "--fw-version", "1.2.3", "--counter", "7"], undefined, undefined, project);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/kettle\.hfw: \d+ bytes .*board kettle, version 1\.2\.3/);
    expect(built.stdout).toMatch(/\n {2}sdk +\d+ bytes/); // Hearth's own modules counted by its folders

    const image = join(project, "kettle.hfw");
    const inspected = await hearth(["image", "inspect", image, "--pub", join(project, "keys", "hearth.pub"), "--json"]);
    expect(inspected.code, inspected.stderr).toBe(0);
    const facts = JSON.parse(inspected.stdout) as Record<string, unknown>;
    expect(facts).toMatchObject({ board: "kettle", version: "1.2.3", securityCounter: 7, signature: "verifies" });
    // The hash, from outside: sha256sum of the whole file.
    expect(facts["imageSha256"]).toBe(execFileSync("sha256sum", [image], { encoding: "utf8" }).split(" ")[0]);
    const otherKey = join(dir, "other");
    expect((await hearth(["keys", "new", "--out", otherKey])).code).toBe(0);
    const forged = await hearth(["image", "inspect", image, "--pub", join(otherKey, "hearth.pub")]);
    expect(forged.stdout).toMatch(/signature {2}does not verify with/);
    expect(forged.code).toBe(1);
    const notImage = await hearth(["image", "inspect", join(project, "README.md")]);
    expect(notImage.stderr).toMatch(/README\.md is not a Hearth firmware image/);
    expect(notImage.code).toBe(2);

    // The project's own test, as `npm test` runs it.
    execFileSync(process.execPath, ["--test", "test/"], { cwd: project, stdio: "pipe" });
  }, 120_000);
});

describe("hearth watch, get, set, invoke against a running simulation", () => {
  it("watch decodes each frame (checked against cborg); get, set and invoke go through the cloud library", async () => {
    const sim = spawn(process.execPath, [cli, "sim", "aircon", "--port", "0", "--no-console", "--speed", "600"], { stdio: ["ignore", "pipe", "pipe"] });
    let simOut = "";
    sim.stdout.on("data", (d: Buffer) => (simOut += d.toString()));
    const waitFor = async (pattern: RegExp, text: () => string, ms = 20_000): Promise<RegExpExecArray> => {
      const end = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(text());
        if (m) return m;
        if (Date.now() > end) throw new Error(`never saw ${pattern} in:\n${text()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      const backend = (await waitFor(/backend (mqtt:\/\/hearth:[0-9a-f]+@127\.0\.0\.1:\d+)/, () => simOut))[1] as string;
      await waitFor(/device {2}sim-aircon-1/, () => simOut);
      const broker = ["--broker", backend];

      // An independent listener: the raw frames, decoded by cborg.
      const raw = await mqtt.connectAsync(backend, { clientId: `raw-${process.pid}` });
      const frames: unknown[][] = [];
      raw.on("message", (_t, payload) => frames.push(cborg.decode(payload, { useMaps: true }) as unknown[]));
      await raw.subscribeAsync("h/sim-aircon-1/u", { qos: 1 });

      const watch = spawn(process.execPath, [cli, "watch", "sim-aircon-1", ...broker, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
      let watched = "";
      let watchSaid = "";
      watch.stdout.on("data", (d: Buffer) => (watched += d.toString()));
      watch.stderr.on("data", (d: Buffer) => (watchSaid += d.toString()));
      try {
        await waitFor(/watching sim-aircon-1 on mqtt:\/\/hearth:\*\*\*@/, () => watchSaid); // subscribed: what follows is seen
        const got = await hearth(["get", "sim-aircon-1", "target", "mode", ...broker]);
        expect(got.stdout, got.stderr).toMatch(/^target 24 °C\nmode "cool"\n$/);
        const set = await hearth(["set", "sim-aircon-1", "target=22.5", "mode=heat", ...broker]);
        expect(set.stdout, set.stderr).toMatch(/sim-aircon-1: set target=22\.5 mode="heat": acknowledged/);
        expect(set.code).toBe(0);
        const after = await hearth(["get", "sim-aircon-1", "--json", ...broker]);
        expect(JSON.parse(after.stdout)).toMatchObject({ target: 22.5, mode: "heat" });
        const refused = await hearth(["set", "sim-aircon-1", "target=99", ...broker]);
        expect(refused.stderr).toMatch(/out-of-range \(target\)/);
        expect(refused.code).toBe(2);
        expect(refused.stderr).not.toMatch(STACK_FRAME);
        const invoked = await hearth(["invoke", "sim-aircon-1", "selfClean", "dryMinutes=1", "--wait", "60s", ...broker]);
        expect(invoked.code, invoked.stderr).toBe(0);
        expect(JSON.parse(invoked.stdout)).toHaveProperty("minutes");
        expectOneLine(await hearth(["invoke", "sim-aircon-1", "fly", ...broker]), /aircon has no action fly \(it has: selfClean\)/);
        expectOneLine(await hearth(["get", "nobody-1", ...broker]), /which appliance is nobody-1\? say --app APP/);

        await waitFor(/"type":"set"/, () => watched);
        await waitFor(/"action":"selfClean"[^\n]*"type":"result"|"type":"result"[^\n]*"action":"selfClean"/, () => watched, 30_000);
      } finally {
        watch.kill("SIGINT");
        await new Promise((r) => watch.once("close", r));
        await raw.endAsync();
      }
      // get, set and invoke are tools beside the sim's own cloud: they answer no uplink, so no device is sent back to say hello.
      expect(watched).not.toMatch(/"code":"no-session"/);
      const lines = watched.trim().split("\n").map((l) => JSON.parse(l) as { device: string; direction: string; type: string; seq: number; values?: Record<string, unknown>; units?: Record<string, string>; params?: Record<string, unknown> });
      const set = lines.find((l) => l.type === "set" && l.direction === "down");
      expect(set?.values).toEqual({ target: 22.5, mode: "heat" });
      expect(set?.units).toEqual({ target: "°C" });
      expect(lines.find((l) => l.type === "invoke")?.params).toEqual({ dryMinutes: 1 });
      // Each report watch decoded is the frame cborg decodes: same seq, and target (id 3) as a count of 0.5 °C steps.
      const reports = lines.filter((l) => l.type === "report" && l.values?.["target"] !== undefined);
      expect(reports.length).toBeGreaterThan(0);
      let compared = 0;
      for (const r of reports) {
        const frame = frames.find((f) => f[0] === 1 && f[1] === r.seq);
        if (frame === undefined) continue;
        expect((frame[2] as Map<number, number>).get(3), `report ${r.seq}`).toBe((r.values?.["target"] as number) * 2);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    } finally {
      sim.kill("SIGINT");
      await new Promise((r) => sim.once("close", r));
    }
  }, 120_000);
});

function expectOneLine(r: { code: number | null; stderr: string }, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split("\n").length).toBe(1);
  expect(r.code).toBe(2);
}

describe("hearth monitor", () => {
  it("prints a simulated board's log from its log port as it comes (the boot records of a flash), until the board closes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-monitor-"));
    expect((await hearth(["keys", "new", "--out", dir])).code).toBe(0);
    const image = join(dir, "ac.hfw");
    expect((await hearth(["build", "examples/aircon", "--board", "aircon-indoor", "--key", join(dir, "hearth.key"), "--out", image])).code).toBe(0);
    const board = spawn(process.execPath, [cli, "board", "aircon-indoor", "--pub", join(dir, "hearth.pub"), "--port", "0", "--log-port", "0", "--speed", "60"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    board.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const closed = new Promise((r) => board.once("close", r));
    const found = async (pattern: RegExp): Promise<string> => {
      for (let i = 0; i < 400 && !pattern.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      return (pattern.exec(out) as RegExpExecArray)[1] as string;
    };
    try {
      const logAt = await found(/log {5}every record on (127\.0\.0\.1:\d+)/);
      const serial = await found(/bootloader port (127\.0\.0\.1:\d+)/);
      await found(/(firmware none)/);
      const monitor = spawn(process.execPath, [cli, "monitor", logAt], { stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      let said = "";
      monitor.stdout.on("data", (d: Buffer) => (log += d.toString()));
      monitor.stderr.on("data", (d: Buffer) => (said += d.toString()));
      const monitorClosed = new Promise<number | null>((r) => monitor.once("close", r));
      for (let i = 0; i < 100 && !said.includes("monitoring"); i++) await new Promise((r) => setTimeout(r, 50));
      // An image for another board is refused once the board says which it is, before a byte of it is written.
      const washer = join(dir, "washer.hfw");
      expect((await hearth(["build", "examples/washer", "--board", "washer", "--key", join(dir, "hearth.key"), "--out", washer])).code).toBe(0);
      expectOneLine(await hearth(["flash", washer, "--port", serial]), /the image is for board washer; this board is aircon-indoor: nothing was written/);
      expect(log).not.toMatch(/slot B/);
      expect((await hearth(["flash", image, "--port", serial])).code).toBe(0);
      for (let i = 0; i < 400 && !/confirmed/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
      board.kill("SIGINT");
      expect(await monitorClosed).toBe(0);
      const lines = log.trim().split("\n");
      for (const line of lines) expect(line).toMatch(/^\d+\.\d{3}s (DEBUG|INFO|WARN|ERROR) [\w-]+: /);
      expect(log).toMatch(/INFO boot: .*trying the new image in slot B/);
      expect(log).toMatch(/confirmed/);
      expect(said).toMatch(/the board at 127\.0\.0\.1:\d+ closed its log/);
      expectOneLine(await hearth(["monitor", "abc"]), /"abc" is not HOST:PORT/);
    } finally {
      board.kill("SIGINT");
      await closed;
    }
  }, 60_000);
});
