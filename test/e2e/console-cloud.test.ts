import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app as aircon } from "../../examples/aircon/app.js";
import { runFleet, type FleetSummary } from "../../sdk/desk/node/host/fleet.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { AnyModel, ModelSpec } from "../../sdk/thing/model.js";
import { outsideBroker, uniqueId } from "../support/brokers.js";
import { counterModule, spawnInstance, stopInstance, tokenFile } from "../support/cloud-instance.js";
import { counterModel } from "../support/counter-app.js";
import { FakeFleet } from "../support/fake-fleet.js";
import { freePort } from "../support/mosquitto.js";
import { cli, hearth, STACK_FRAME } from "../support/hearth-cli.js";
import { freshDatabase, postgresUrl } from "../support/postgres.js";
import { getWithHost } from "../support/rebound.js";

/**
 * The web console pointed at a running cloud tier, as a cloud or QA team runs
 * it: two `hearth cloud serve` processes on one PostgreSQL and Mosquitto, an
 * air conditioner (a fleet of one, its cloud client only watching) and a
 * counter reporting, and `hearth console --cloud URL --token-file FILE` as a
 * process. Its HTTP API and, in Chromium, its page read the devices through
 * the cloud's API; a set made in the page reaches the device.
 */
const broker = outsideBroker();
const pgUrl = postgresUrl();
const CHROMIUM = [process.env["HEARTH_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && existsSync(p));
if (CHROMIUM === undefined && process.env["CI"] !== undefined) throw new Error("the console test needs Chromium (Debian's chromium package, which .ci/run installs; or HEARTH_CHROMIUM=path)");

/** Resolves once `done` holds, or throws naming `what` after `timeoutMs` (expect.poll is for tests, not their setup). */
async function until(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(broker !== undefined && pgUrl !== undefined && CHROMIUM !== undefined)("hearth console --cloud: the web console over a cloud tier's HTTP API", () => {
  const tokens = tokenFile();
  const dir = mkdtempSync(join(tmpdir(), "hearth-console-cloud-"));
  const tokenPath = join(dir, "console.token");
  const prefix = uniqueId("cc");
  const AC = `${prefix}-0`;
  let COUNTER = "";
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: Awaited<ReturnType<typeof spawnInstance>>;
  let b: Awaited<ReturnType<typeof spawnInstance>>;
  let counters: FakeFleet;
  let stopFleet!: () => void;
  let fleet: Promise<FleetSummary> | undefined;
  let consoleProcess: ChildProcess;
  let base = "";
  let token = "";
  let browser: Browser;
  let page: Page;

  /** The tier's API, as any of its clients calls it. */
  const cloudApi = async (path: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, any> }> => {
    const res = await fetch(`${a.url}${path}`, { ...init, headers: { authorization: `Bearer ${tokens.token}`, "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  /** The console's API, as its page calls it (with this run's token). */
  const consoleApi = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> => {
    const headers = { "x-hearth-token": token };
    const res = await fetch(new URL(path, base), body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  const appliance = async (id: string) => ((await consoleApi("/api/appliances")).json["appliances"] as Record<string, any>[]).find((x) => x["id"] === id);

  beforeAll(async () => {
    db = await freshDatabase(pgUrl as string);
    writeFileSync(tokenPath, `${tokens.token}\n`, { mode: 0o600 });
    const options = { broker: broker!.url(), store: db.url, tokens: tokens.path, group: uniqueId("console"), apps: `aircon,${counterModule}` };
    [a, b] = await Promise.all([spawnInstance(options), spawnInstance(options)]);
    // An air conditioner that answers to the tier alone: the fleet's own cloud client only watches (--observe).
    let started!: () => void;
    const online = new Promise<void>((resolve) => (started = resolve));
    fleet = runFleet({
      app: aircon as unknown as ApplianceApp<ModelSpec>,
      count: 1,
      brokerUrl: broker!.url(),
      speed: 1,
      seed: 3,
      durationMs: 30 * 60_000,
      idPrefix: prefix,
      observe: true,
      stop: new Promise<void>((resolve) => (stopFleet = resolve)),
      onProgress: (p) => p.online === 1 && started(),
    });
    await online;
    counters = new FakeFleet(broker!.url(), counterModel as unknown as AnyModel, { devices: 1, connections: 1, prefix: `${prefix}-counter`, resendMs: 1000 });
    await counters.start();
    COUNTER = counters.ids[0] as string;
    counters.report(COUNTER, { n: 3, level: 42, label: "hi", runs: 0 });
    await counters.waitUntilAcked(15_000);
    // The air conditioner's first full report is in the store before the console loads it.
    await until(async () => (await cloudApi(`/v1/devices/${AC}`)).json["reported"]?.["target"]?.value === 24, 30_000, "the air conditioner's first report");

    consoleProcess = spawn(process.execPath, [cli, "console", "--cloud", a.url, "--token-file", tokenPath, "--console-port", "0", AC, COUNTER], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    consoleProcess.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    consoleProcess.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    await until(async () => /console (http:\/\/\S+)/.test(out), 20_000, `hearth console's address (it said: ${out})`);
    const url = /console (http:\/\/\S+)/.exec(out)?.[1] as string;
    expect(out).toContain(`cloud   ${a.url}: 2 devices shown`);
    token = new URL(url).searchParams.get("token") as string;
    base = url;
    browser = await chromium.launch({ executablePath: CHROMIUM as string, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (consoleProcess !== undefined) await stopInstance(consoleProcess, "SIGTERM");
    stopFleet?.();
    await fleet;
    await counters?.stop();
    await Promise.all([a, b].filter(Boolean).map((i) => stopInstance(i.process, "SIGKILL")));
    await db?.drop();
  }, 60_000);

  it("reads a device through the console's HTTP API: its model, reported and desired state, presence and history, as the cloud's API has them", async () => {
    const first = (await consoleApi("/api/appliances")).json;
    // Shown: the two named. Listed: every device that said hello to the tier (other tests' devices on a shared broker too).
    expect(first["source"]).toEqual({ kind: "cloud", url: a.url, shown: 2, devices: expect.any(Number), missing: [] });
    expect(first["source"].devices).toBeGreaterThanOrEqual(2);
    expect(first["brokerRestartable"]).toBe(false);
    expect(first["cloudConnected"]).toBe(true);
    expect((first["appliances"] as { id: string }[]).map((x) => x.id)).toEqual([AC, COUNTER]);
    const ac = (first["appliances"] as Record<string, any>[])[0] as Record<string, any>;
    const cloud = (await cloudApi(`/v1/devices/${AC}`)).json;
    // The model is the one the device said hello with, as the API gives it: labels, units, ranges.
    expect(ac["model"]).toEqual(JSON.parse(JSON.stringify(aircon.model.spec)));
    expect(ac["app"]).toBe("hearth.aircon");
    expect(ac).toMatchObject({ online: true, firmware: cloud["device"].firmware, boots: cloud["device"].bootCount, panel: null, floorPlan: null, sensors: [], byHand: [] });
    // Every member the cloud holds; the settings as it has them (the room's temperature moves between two reads).
    expect(Object.keys(ac["reported"]).sort()).toEqual(Object.keys(cloud["reported"]).sort());
    for (const member of ["power", "mode", "target", "fan", "swing"]) expect(ac["reported"][member], member).toBe(cloud["reported"][member].value);
    expect(ac["reported"]["target"]).toBe(24);
    expect(ac["desired"]).toEqual({ version: 0, values: {}, deviceVersion: 0 });
    expect(ac["status"]).toMatch(/^hearth\.aircon rev [0-9a-f]{8} · firmware 1\.0\.0 · no desired state set · last report \d\d:\d\d:\d\d UTC$/);
    // History from the API's history route: samples in Unix ms, reported values as the charts take them.
    expect(ac["samples"].length).toBeGreaterThan(0);
    const sample = ac["samples"].at(-1) as { at: number; values: Record<string, number> };
    expect(Math.abs(sample.at - Date.now())).toBeLessThan(120_000);
    expect(sample.values["target (reported)"]).toBe(24);
    expect(sample.values["mode (reported)"]).toBe(aircon.model.spec.properties.mode.values.indexOf("cool"));
    expect(sample.values["power (reported)"]).toBe(1);
    const history = await consoleApi(`/api/appliances/${AC}/history?from=${sample.at - 3_600_000}&to=${sample.at}&points=50`);
    expect(history.status).toBe(200);
    expect(history.json["samples"].at(-1)).toEqual(sample);
    // The counter: its label and level as its fake device reported them.
    const counter = (first["appliances"] as Record<string, any>[])[1] as Record<string, any>;
    expect(counter["reported"]).toMatchObject({ n: 3, level: 42, label: "hi" });
    // Live: a report made now reaches the console through the API's event stream (only the stream makes samples).
    counters.report(COUNTER, { n: 4, level: 43 });
    await expect.poll(async () => (await appliance(COUNTER))?.["samples"].at(-1).values["level (reported)"], { timeout: 10_000 }).toBe(43);
    expect((await appliance(COUNTER))?.["reported"]["level"]).toBe(43);
  });

  it("keeps its own security over a cloud: 127.0.0.1 only, Host and Origin checked, this run's token; the API's token never reaches the page", async () => {
    const origin = new URL(base).origin;
    const port = new URL(base).port;
    expect((await fetch(`${origin}/api/appliances`)).status).toBe(401);
    expect((await fetch(`${origin}/api/appliances`, { headers: { "x-hearth-token": "0".repeat(32) } })).status).toBe(401);
    expect((await fetch(`${origin}/`)).status).toBe(401);
    const foreign = await fetch(`${origin}/api/appliances/${AC}/set`, { method: "POST", headers: { origin: "http://evil.example", "content-type": "text/plain", "x-hearth-token": token }, body: JSON.stringify({ values: { target: 30 } }) });
    expect(foreign.status).toBe(403);
    const plain = await fetch(`${origin}/api/appliances/${AC}/set`, { method: "POST", headers: { "content-type": "text/plain", "x-hearth-token": token }, body: JSON.stringify({ values: { target: 30 } }) });
    expect(plain.status).toBe(415);
    const rebound = await getWithHost(Number(port), `evil.example:${port}`, "/api/appliances", { "x-hearth-token": token });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain(AC);
    const everything = JSON.stringify((await consoleApi("/api/appliances")).json) + (await (await fetch(new URL("/console.js", base))).text());
    expect(everything).not.toContain(tokens.token);
    expect((await cloudApi(`/v1/devices/${AC}`)).json["desired"]).toMatchObject({ version: 0 }); // none of those set anything
  });

  it("refuses the simulator's controls by name, and passes the API's answers on with their status: 400 out-of-range, 412 stale, an action's result", async () => {
    for (const [what, body] of [["power", { offMs: 1000 }], ["network", { up: false }], ["sensor", { name: "room", failure: "open" }], ["hand", { name: "x" }], ["key", { key: 0 }]] as const) {
      const r = await consoleApi(`/api/appliances/${AC}/${what}`, body);
      expect(r.status, what).toBe(409);
      expect(r.json["error"], what).toMatch(new RegExp(`^${what} is a simulator's control: this console reads a cloud's API .*no simulator behind it`));
    }
    expect(await consoleApi("/api/broker/restart", {})).toMatchObject({ status: 409, json: { error: expect.stringMatching(/reads a cloud's API: it has no broker to restart/) } });
    expect(await consoleApi(`/api/appliances/${AC}/set`, { values: { target: 45 } })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^out-of-range: property target is 45, above the maximum 30/) } });
    expect(await consoleApi(`/api/appliances/${AC}/set`, { values: { room: 20 } })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^read-only/) } });
    expect(await consoleApi("/api/appliances/nobody/set", { values: { target: 22 } })).toMatchObject({ status: 404 });
    // The counter: a set with the version the page saw goes through and reaches the device; the same version again is stale.
    expect(await consoleApi(`/api/appliances/${COUNTER}/set`, { values: { level: 7 }, expect: 0 })).toEqual({ status: 200, json: { version: 1 } });
    await expect.poll(() => counters.setVersions.get(COUNTER), { timeout: 10_000 }).toEqual([1]);
    const stale = await consoleApi(`/api/appliances/${COUNTER}/set`, { values: { level: 8 }, expect: 0 });
    expect(stale.status).toBe(412);
    expect(stale.json["error"]).toMatch(/^412 stale: device .* desired document is at version 1, not 0; someone changed it since the page showed v0/);
    expect(await consoleApi(`/api/appliances/${COUNTER}/set`, { values: { level: 8 }, expect: -1 })).toMatchObject({ status: 400 });
    // An action through the API: the device's result, and a bad param named.
    expect(await consoleApi(`/api/appliances/${COUNTER}/invoke`, { action: "echo", params: { x: 5 } })).toEqual({ status: 200, json: { result: { x: 5 } } });
    expect(await consoleApi(`/api/appliances/${COUNTER}/invoke`, { action: "echo", params: { x: "five" } })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^bad-param/) } });
    await expect.poll(async () => (await appliance(COUNTER))?.["desired"], { timeout: 10_000 }).toEqual({ version: 1, values: { level: 7 }, deviceVersion: 1 });
  });

  it("in Chromium: a card per device from its model, with the device's values; no simulator controls, and the page says why", async () => {
    const card = page.locator(`[data-device="${AC}"]`);
    await expect.poll(() => card.locator("[data-online]").textContent(), { timeout: 15_000 }).toBe("online");
    expect(await card.locator('tr[data-prop="target"] th.name').textContent()).toBe("Target temperature");
    expect(await card.locator('tr[data-prop="target"] td.value').textContent()).toBe("24 °C");
    expect(await card.locator('tr[data-prop="mode"] td.value').textContent()).toBe("Cool");
    await expect.poll(() => card.locator('tr[data-prop="room"] td.value').textContent()).toMatch(/^\d+(\.\d)? °C$/);
    expect(await card.locator('input[data-edit="target"]').getAttribute("max")).toBe("30");
    expect(await card.locator(".title .app").textContent()).toBe("Air conditioner");
    expect(await card.locator("[data-status]").textContent()).toMatch(/^hearth\.aircon rev/);
    // The counter's card, from its own model.
    expect(await page.locator(`[data-device="${COUNTER}"] tr[data-prop="label"] td.value`).textContent()).toBe("hi");
    // What a simulator has and a cloud does not: absent, and the page says so.
    for (const absent of ["[data-fault]", ".front-panel", "[data-hand]", "[data-floor-map]"]) expect(await page.locator(absent).count(), absent).toBe(0);
    expect(await page.locator("[data-broker-restart]").isHidden()).toBe(true);
    const note = page.locator("[data-source-note]");
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toMatch(/reads the devices through the cloud's HTTP API.*there is no simulator behind a cloud, so they are not here/);
    expect(await note.locator("[data-shown]").getAttribute("data-shown")).toBe("2");
    await expect.poll(() => page.locator("[data-clock]").textContent(), { timeout: 5000 }).toMatch(new RegExp(`^cloud API ${a.url.replaceAll(".", "\\.")} · \\d\\d:\\d\\d:\\d\\d · API answering$`));
    // The chart draws the history's samples: a canvas with the charted series.
    await expect.poll(() => page.evaluate((id) => (globalThis as any).hearthConsole.cards.get(id).samples.length, AC), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it("in Chromium: a set made in the page reaches the device: it reports the value, the card shows it, the cloud has the device at that version", async () => {
    const card = page.locator(`[data-device="${AC}"]`);
    await card.locator('input[data-edit="target"]').fill("22");
    await card.locator('button[data-set="target"]').click();
    // The device took it (its own report says 22), through either instance of the tier.
    await expect.poll(async () => (await cloudApi(`/v1/devices/${AC}`)).json["reported"]["target"].value, { timeout: 20_000 }).toBe(22);
    await expect.poll(async () => (await cloudApi(`/v1/devices/${AC}/desired`)).json, { timeout: 10_000 }).toEqual({ version: 1, values: { target: 22 }, deviceVersion: 1 });
    await expect.poll(() => card.locator('tr[data-prop="target"] td.value').textContent(), { timeout: 15_000 }).toBe("22 °C");
    await expect.poll(() => card.locator("[data-status]").textContent(), { timeout: 10_000 }).toContain("desired v1 (the device has it)");
    expect(await card.locator('[data-refusal="target"]').textContent()).toBe("");
    await expect.poll(() => card.locator("[data-log]").textContent(), { timeout: 10_000 }).toMatch(/console sets Target temperature 22 °C \(desired v1\)[\s\S]*the device has desired v1/);
  });

  it("in Chromium: a 412 is shown as such: a set expecting a version someone else moved past is refused beside its control, and the next goes", async () => {
    const card = page.locator(`[data-device="${AC}"]`);
    // A person begins to set the mode while the page shows version 1; meanwhile another client of the
    // API changes the desired state (version 2), and the page's next push shows it.
    await card.locator('select[data-edit="mode"]').selectOption({ label: "Heat" });
    expect((await cloudApi(`/v1/devices/${AC}/desired`, { method: "PATCH", headers: { "if-match": '"1"' }, body: JSON.stringify({ values: { fan: 3 } }) })).status).toBe(202);
    await expect.poll(() => page.evaluate((id) => (globalThis as any).hearthConsole.cards.get(id).desiredVersion, AC), { timeout: 10_000 }).toBe(2);
    // Their set still names the version they began from: refused, not laid over the other change.
    await card.locator('button[data-set="mode"]').click();
    await expect.poll(() => card.locator('[data-refusal="mode"]').textContent(), { timeout: 10_000 }).toMatch(/^412 stale: device .* desired document is at version 2, not 1; someone changed it since the page showed v1: look again and set again$/);
    expect(await card.locator('select[data-edit="mode"]').inputValue()).toBe(String(aircon.model.spec.properties.mode.values.indexOf("cool"))); // back to the device's value
    expect((await cloudApi(`/v1/devices/${AC}/desired`)).json["values"]).toEqual({ target: 22, fan: 3 }); // nothing overwritten
    // The page now knows version 2: the same set again goes, and reaches the device.
    await expect.poll(() => page.evaluate((id) => (globalThis as any).hearthConsole.cards.get(id).desiredVersion, AC), { timeout: 10_000 }).toBe(2);
    await card.locator('select[data-edit="mode"]').selectOption({ label: "Heat" });
    await card.locator('button[data-set="mode"]').click();
    await expect.poll(async () => (await cloudApi(`/v1/devices/${AC}`)).json["reported"]["mode"].value, { timeout: 20_000 }).toBe("heat");
    await expect.poll(() => card.locator('tr[data-prop="mode"] td.value').textContent(), { timeout: 15_000 }).toBe("Heat");
    expect(await card.locator('[data-refusal="mode"]').textContent()).toBe("");
  });

  it("bad arguments: one line, exit 2, nothing started", async () => {
    const named = async (args: string[], message: RegExp): Promise<void> => {
      const r = await hearth(["console", ...args]);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK_FRAME);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.code, args.join(" ")).toBe(2);
    };
    const empty = join(dir, "empty.token");
    writeFileSync(empty, "\n");
    const wrong = join(dir, "wrong.token");
    writeFileSync(wrong, "not-a-token-of-this-api\n");
    await named(["--token-file", tokenPath], /hearth console needs --cloud URL/);
    await named(["--cloud", a.url], /hearth console needs --token-file FILE/);
    await named(["--cloud", "ftp://127.0.0.1:8081", "--token-file", tokenPath], /--cloud must be an http:\/\/ or https:\/\/ URL/);
    await named(["--cloud", "not a url", "--token-file", tokenPath], /--cloud must be the HTTP API's URL/);
    await named(["--cloud", `${a.url}/?x=1`, "--token-file", tokenPath], /--cloud takes the API's address alone/);
    // Something that answers 200, but not as hearth cloud serve does: the console's own page, say.
    await named(["--cloud", `${a.url}/v1/openapi.json#`, "--token-file", tokenPath], /no query or fragment|not a list of devices/);
    await named(["--cloud", a.url, "--token-file", join(dir, "nope")], /--token-file .*nope: no such file/);
    await named(["--cloud", a.url, "--token-file", empty], /--token-file .*empty\.token is empty/);
    await named(["--cloud", a.url, "--token-file", tokens.path], /holds JSON: give a file with one client's token alone/);
    await named(["--cloud", a.url, "--token-file", tokenPath, "no/such"], /"no\/such" is not a device id/);
    await named(["--cloud", a.url, "--token-file", wrong], /the cloud's API at .* refused the token \(401/);
    const closed = await freePort();
    await named(["--cloud", `http://127.0.0.1:${closed}`, "--token-file", tokenPath], new RegExp(`no answer from the cloud's API at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\): is hearth cloud serve running there\\?`));
    await named(["--cloud", a.url, "--token-file", tokenPath, "--console-prt", "0"], /unknown option --console-prt; did you mean --console-port\?/);
  });
});
