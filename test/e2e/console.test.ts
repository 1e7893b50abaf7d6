import { existsSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app as aircon } from "../../examples/aircon/app.js";
import { app as fridge } from "../../examples/fridge/app.js";
import { app as vacuum } from "../../examples/vacuum/app.js";
import { app as washer } from "../../examples/washer/app.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { runSimulation, type SessionSummary } from "../../sdk/desk/node/host/session.js";
import { qrModules } from "../../sdk/matter/node/session.js";
import { getWithHost } from "../support/rebound.js";

/** Debian's chromium (what .ci/run installs), or HEARTH_CHROMIUM. */
const CHROMIUM = [process.env["HEARTH_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && existsSync(p));
// CI (which always gives a test broker) must run it: never a silent skip there.
if (CHROMIUM === undefined && (process.env["CI"] !== undefined || process.env["HEARTH_TEST_MQTT_URL"] !== undefined)) {
  throw new Error("the console test needs Chromium (Debian's chromium package, which .ci/run installs; or HEARTH_CHROMIUM=path)");
}
const AC = "sim-aircon-1";
/** What hearth sim --matter hands the console (the bridge itself is tested in matter-bridge.test.ts): a pairing, its QR code's modules from matter.js. */
const PAIRING = { manualPairingCode: "23392916416", qrPairingCode: "MT:Y.K90YDA13.6RB4ML00", qr: qrModules("MT:Y.K90YDA13.6RB4ML00"), commissioned: false, port: 5540 };

describe.skipIf(CHROMIUM === undefined)("web console in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  let stop!: () => void;
  let session: Promise<SessionSummary[]>;
  let base = "";

  beforeAll(async () => {
    let ready!: (url: string) => void;
    const consoleUrl = new Promise<string>((resolve) => (ready = resolve));
    session = runSimulation({
      appliances: ([aircon, washer, fridge, vacuum] as unknown as ApplianceApp<ModelSpec>[]).map((app) => ({ app, deviceId: `sim-${app.name}-1` })),
      speed: 120,
      port: 0,
      seed: 1,
      consolePort: 0,
      print: () => undefined,
      onReady: ({ consoleUrl }) => ready(consoleUrl as string),
      withCloud: async () => ({ stop: async () => undefined, pairing: () => ({ ...PAIRING }) }),
      interrupted: new Promise<void>((resolve) => (stop = resolve)),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM as string, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    base = await consoleUrl;
    await page.goto(base);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    stop?.();
    await session;
  });

  const panel = () => page.locator(`[data-device="${AC}"]`);
  const samples = () =>
    page.evaluate((id) => {
      const c = (globalThis as unknown as { hearthConsole: { cards: Map<string, { samples: { at: number; values: Record<string, number> }[] }> } }).hearthConsole;
      return c.cards.get(id)?.samples.map((s) => s.values["roomC"] ?? NaN) ?? [];
    }, AC);

  it("loads and shows every appliance, the air conditioner with its model's panel", async () => {
    for (const id of ["sim-aircon-1", "sim-washer-1", "sim-fridge-1", "sim-vacuum-1"]) await expect.poll(() => page.locator(`[data-device="${id}"]`).count()).toBe(1);
    await expect.poll(() => panel().locator("[data-online]").textContent(), { timeout: 15_000 }).toBe("online");
    // Editors follow the model: target is a number from 16 to 30 in steps of 0.5; mode a list of its values.
    const target = panel().locator('input[data-edit="target"]');
    expect(await target.getAttribute("min")).toBe("16");
    expect(await target.getAttribute("max")).toBe("30");
    expect(await target.getAttribute("step")).toBe("0.5");
    expect(await panel().locator('select[data-edit="mode"] option').allTextContents()).toEqual(["Cool", "Heat", "Fan only", "Dry", "Auto"]);
    expect(await panel().locator('tr[data-prop="room"] td.value').textContent()).toMatch(/°C$/);
  });

  it("shows the Matter pairing of hearth sim --matter: the QR code drawn from the modules the server computed, the manual code, and whether a controller has paired", async () => {
    const matter = page.locator("[data-matter]");
    await expect.poll(() => matter.isVisible()).toBe(true);
    expect(await matter.locator("[data-matter-code]").textContent()).toBe("2339-291-6416");
    expect(await matter.locator("[data-matter-payload]").textContent()).toBe(PAIRING.qrPairingCode);
    expect(await matter.locator("[data-matter-state]").getAttribute("data-matter-state")).toBe("waiting");
    // The SVG's dark squares, read back into rows, are the server's modules, inside a 4-module quiet zone.
    const qr = matter.locator("svg[data-matter-qr]");
    expect(await qr.getAttribute("viewBox")).toBe("0 0 29 29");
    const d = (await qr.locator("path").getAttribute("d")) ?? "";
    const drawn = Array.from({ length: 21 }, () => Array.from({ length: 21 }, () => "0"));
    for (const [, x, y] of d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) (drawn[Number(y) - 4] as string[])[Number(x) - 4] = "1";
    expect(drawn.map((row) => row.join(""))).toEqual(PAIRING.qr);
    expect(Number(await qr.getAttribute("data-modules"))).toBe(PAIRING.qr.join("").split("1").length - 1);
    // Paired: the page says so from the next push.
    PAIRING.commissioned = true;
    await expect.poll(() => matter.locator("[data-matter-state]").getAttribute("data-matter-state")).toBe("commissioned");
    // The page's script carries no QR encoder and nothing of matter.js.
    const script = await (await page.request.get(`${new URL(base).origin}/console.js`)).text();
    expect(script).not.toMatch(/@matter|ReedSolomon|QrCode/);
  });

  it("names every property, action and param of the air conditioner by its model's label, with its unit, never by its member name", async () => {
    const spec = aircon.model.spec;
    for (const [name, p] of Object.entries(spec.properties)) {
      const label = (p as { label?: { en: string } }).label?.en as string;
      expect(label, name).toBeDefined();
      expect(await panel().locator(`tr[data-prop="${name}"] th.name`).textContent()).toBe(label);
      if ("unit" in p && p.unit !== undefined) await expect.poll(() => panel().locator(`tr[data-prop="${name}"] td.value`).textContent()).toMatch(new RegExp(`${p.unit}$`));
    }
    // Bools and codes read as words: the compressor "running" or "stopped", the error "none".
    await expect.poll(() => panel().locator('tr[data-prop="compressor"] td.value').textContent()).toMatch(/^(running|stopped)$/);
    expect(await panel().locator('tr[data-prop="error"] td.value').textContent()).toBe("none");
    expect(await panel().locator('tr[data-prop="power"] td.value').textContent()).toBe("on");
    // The action and its param: labelled, with the param's unit, starting at its lowest value rather than blank.
    expect(await panel().locator('button[data-action="selfClean"]').textContent()).toBe("Self-clean");
    const param = panel().locator('[data-action-row="selfClean"] label.param');
    expect(await param.textContent()).toMatch(/^Drying time.*min$/);
    expect(await param.locator("input").inputValue()).toBe("1");
    // The chart's axes carry the units.
    const text = (await panel().textContent()) as string;
    for (const member of ["roomC", "humidityPct", "coilMinC", "dryMinutes"]) expect(text).not.toContain(member);
  });

  it("speaks Simplified Chinese when asked (?lang=zh, or the header's setting): the model's labels, its values' words, the page's own", async () => {
    const zh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await zh.goto(`${base}&lang=zh`);
    const card = zh.locator(`[data-device="${AC}"]`);
    await expect.poll(() => card.locator('tr[data-prop="target"] th.name').textContent(), { timeout: 15_000 }).toBe("设定温度");
    expect(await card.locator('select[data-edit="mode"] option').allTextContents()).toEqual(["制冷", "制热", "送风", "除湿", "自动"]);
    expect(await card.locator('button[data-action="selfClean"]').textContent()).toBe("自清洁");
    expect(await card.locator('button[data-fault="power"]').textContent()).toBe("断电");
    expect(await zh.locator("html").getAttribute("lang")).toBe("zh-Hans");
    // The setting: the browser says English; choosing Chinese redraws the page in it and is kept for the next visit; back to English.
    const target = () => zh.locator(`[data-device="${AC}"] tr[data-prop="target"] th.name`).textContent();
    await zh.goto(base);
    await expect.poll(target, { timeout: 15_000 }).toBe("Target temperature");
    await zh.locator("select[data-language]").selectOption("zh");
    await expect.poll(target, { timeout: 15_000 }).toBe("设定温度");
    await zh.goto(base);
    await expect.poll(target, { timeout: 15_000 }).toBe("设定温度");
    await zh.locator("select[data-language]").selectOption("en");
    await expect.poll(target, { timeout: 15_000 }).toBe("Target temperature");
    await zh.close();
  });

  it("sets the target from the page, and the device takes it", async () => {
    await panel().locator('input[data-edit="target"]').fill("22");
    await panel().locator('button[data-set="target"]').click();
    await expect.poll(() => panel().locator('tr[data-prop="target"] td.value').textContent(), { timeout: 15_000 }).toBe("22 °C");
    // The status line is the device's own view of itself: it is chasing 22 °C now.
    await expect.poll(() => panel().locator("[data-status]").textContent(), { timeout: 10_000 }).toContain("→ 22.0 °C");
    // A value outside the model is refused beside the control that sent it, changes nothing, and the box shows the device's value again.
    await panel().locator('input[data-edit="target"]').fill("45");
    await panel().locator('button[data-set="target"]').click();
    await expect.poll(() => panel().locator('tr[data-prop="target"] [data-refusal="target"]').textContent(), { timeout: 10_000 }).toMatch(/target/);
    expect(await panel().locator('tr[data-prop="target"] td.value').textContent()).toBe("22 °C");
    expect(await panel().locator('input[data-edit="target"]').inputValue()).toBe("22");
  });

  it("charts the room temperature as it moves", async () => {
    const before = await samples();
    const pixels = await panel().locator("[data-chart] canvas").evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
    await expect.poll(async () => (await samples()).length, { timeout: 15_000 }).toBeGreaterThan(before.length + 3);
    const after = await samples();
    expect(Math.min(...after.slice(-3))).toBeLessThan(Math.max(...after.slice(0, 3)));
    await expect.poll(() => panel().locator("[data-chart] canvas").evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL())).not.toBe(pixels);
    // An axis per unit, the unit on it: °C for the temperatures (the compressor is shaded periods, not a line).
    expect(await panel().locator("[data-chart] .u-axis").count()).toBeGreaterThanOrEqual(2);
  });

  it("zooms a chart by dragging over it, pans it, exports what it shows as CSV, and shows all again", async () => {
    const range = () => page.evaluate((id) => (globalThis as unknown as { hearthConsole: { cards: Map<string, { chart: { range?: { min: number; max: number } } }> } }).hearthConsole.cards.get(id)?.chart.range, AC);
    await expect.poll(async () => { const r = await range(); return r === undefined ? 0 : r.max - r.min; }, { timeout: 15_000 }).toBeGreaterThan(20);
    const before = (await range()) as { min: number; max: number };
    const over = panel().locator("[data-chart] .u-over");
    const box = (await over.boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = (await range()) as { min: number; max: number };
    expect(zoomed.max - zoomed.min).toBeLessThan((before.max - before.min) * 0.5);
    // Live samples arrive; the zoom holds.
    await page.waitForTimeout(1200);
    expect(await range()).toEqual(zoomed);
    await panel().locator("button[data-pan-back]").click();
    expect(((await range()) as { min: number }).min).toBeLessThan(zoomed.min);
    const csv = await page.evaluate((id) => (globalThis as unknown as { hearthConsole: { cards: Map<string, { chart: { csv(): string } }> } }).hearthConsole.cards.get(id)?.chart.csv(), AC);
    const [head, ...rows] = (csv as string).trim().split("\n");
    expect(head).toMatch(/^time \(s\),.*Target temperature \(°C\)/);
    expect(rows.length).toBeGreaterThan(2);
    await panel().locator("button[data-show-all]").click();
    await expect.poll(async () => { const r = (await range()) as { min: number; max: number }; return r.max - r.min; }).toBeGreaterThan(zoomed.max - zoomed.min);
  });

  it("cuts the power from the page: the device reboots and the page shows it back", async () => {
    const boots = Number(await panel().locator("[data-boots]").getAttribute("data-boots"));
    await panel().locator('button[data-fault="power"]').click();
    await expect.poll(() => panel().locator("[data-log]").textContent(), { timeout: 10_000 }).toContain("power cut");
    await expect.poll(() => panel().locator("[data-log]").textContent(), { timeout: 20_000 }).toContain("power back");
    await expect.poll(async () => Number(await panel().locator("[data-boots]").getAttribute("data-boots")), { timeout: 10_000 }).toBe(boots + 1);
    await expect.poll(() => panel().locator("[data-online]").textContent(), { timeout: 20_000 }).toBe("online");
    // Its settings came back from flash: still chasing 22 °C.
    expect(await panel().locator("[data-status]").textContent()).toContain("→ 22.0 °C");
  });

  /** The console's API, as the page uses it. */
  const api = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> => {
    const token = { "x-hearth-token": new URL(base).searchParams.get("token") as string };
    const res = await fetch(new URL(path, base), body === undefined ? { headers: token } : { method: "POST", headers: { ...token, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  const view = async (id: string) => ((await api("/api/appliances")).json["appliances"] as { id: string; online: boolean; reported: Record<string, unknown> }[]).find((a) => a.id === id);

  it("lets in only its own page: another origin, another Host, no token, a text/plain POST are refused and change nothing", async () => {
    const origin = new URL(base).origin;
    const port = new URL(base).port;
    const token = new URL(base).searchParams.get("token") as string;
    const cut = (headers: Record<string, string>, body = JSON.stringify({ offMs: 1000 })) =>
      fetch(`${origin}/api/appliances/${AC}/power`, { method: "POST", headers, body }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const before = await view(AC);
    // A page from another origin posts text/plain (no preflight): refused by Origin before anything else.
    const foreign = await cut({ origin: "http://evil.example", "content-type": "text/plain", "x-hearth-token": token });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toMatch(/http:\/\/evil\.example are refused/);
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, so the Host is theirs.
    const rebound = await getWithHost(Number(port), `evil.example:${port}`, "/api/appliances", { "x-hearth-token": token });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain(AC);
    // No token, a wrong token, and text/plain with the token: refused, named.
    expect((await cut({ "content-type": "application/json" })).status).toBe(401);
    expect((await cut({ "content-type": "application/json", "x-hearth-token": "0".repeat(32) })).status).toBe(401);
    expect((await cut({ "content-type": "text/plain", "x-hearth-token": token })).status).toBe(415);
    expect((await fetch(`${origin}/api/appliances`)).status).toBe(401);
    expect((await fetch(`${origin}/`)).status).toBe(401); // the page itself wants the token's URL
    // Bad input: a bad %-escape, a power cut of 1e15 ms.
    expect(await api("/api/appliances/%E0%A4%A/power", { offMs: 1000 })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/bad %-escape/) } });
    expect(await api(`/api/appliances/${AC}/power`, { offMs: 1e15 })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/offMs must be/) } });
    const after = await view(AC);
    expect(after?.online).toBe(true);
    expect((await api("/api/appliances")).json["appliances"].find((a: { id: string }) => a.id === AC).boots).toBe((before as unknown as { boots: number }).boots); // nothing was cut
  });

  it("injects faults: the network unplugged and back, a failed sensor, the broker restarted; bad requests are named", async () => {
    expect((await api("/api/appliances/sim-fridge-1/network", { up: false })).status).toBe(200);
    await expect.poll(async () => (await view("sim-fridge-1"))?.online, { timeout: 15_000 }).toBe(false);
    expect((await api("/api/appliances/sim-fridge-1/network", { up: true })).status).toBe(200);
    await expect.poll(async () => (await view("sim-fridge-1"))?.online, { timeout: 20_000 }).toBe(true);

    expect((await api("/api/appliances/sim-fridge-1/sensor", { name: "freezer", failure: "short" })).status).toBe(200);
    await expect.poll(async () => (await view("sim-fridge-1"))?.reported["error"], { timeout: 15_000 }).toBe(2);
    await api("/api/appliances/sim-fridge-1/sensor", { name: "freezer", failure: null });
    await expect.poll(async () => (await view("sim-fridge-1"))?.reported["error"], { timeout: 15_000 }).toBe(0);

    expect((await api("/api/broker/restart", {})).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000)); // the links notice the broker went
    await expect.poll(async () => (await api("/api/appliances")).json["cloudConnected"], { timeout: 30_000 }).toBe(true);
    for (const id of ["sim-aircon-1", "sim-washer-1", "sim-fridge-1", "sim-vacuum-1"]) {
      await expect.poll(async () => (await view(id) as { link?: string } | undefined)?.link, { timeout: 30_000 }).toBe("up");
    }
    // After the restart the cloud still reaches the devices: a set goes through.
    const after = await api(`/api/appliances/${AC}/set`, { values: { target: 23 } });
    expect(after.json).toEqual({});

    expect((await api("/api/appliances/sim-toaster-1/power", {})).json["error"]).toMatch(/no appliance called "sim-toaster-1"/);
    // The history: a span of samples, thinned to the points asked; bad spans named.
    const history = await api(`/api/appliances/${AC}/history?from=0&points=10`);
    expect(history.status).toBe(200);
    const kept = history.json["samples"] as { at: number; values: Record<string, number> }[];
    expect(kept.length).toBe(10);
    expect(kept.every((s, i) => i === 0 || s.at > (kept[i - 1] as { at: number }).at)).toBe(true);
    expect(kept.at(-1)?.values["compressor (reported)"]).toBeOneOf([0, 1]);
    expect(await api(`/api/appliances/${AC}/history?points=0`)).toMatchObject({ status: 400, json: { error: expect.stringMatching(/points must be an integer 1\.\.5000/) } });
    expect(await api(`/api/appliances/${AC}/history?from=soon`)).toMatchObject({ status: 400, json: { error: expect.stringMatching(/from must be a number/) } });
    expect((await api("/api/appliances/sim-toaster-1/history")).status).toBe(404);
    expect((await api("/api/appliances/sim-fridge-1/sensor", { name: "door", failure: "open" })).json["error"]).toMatch(/no sensor called "door"/);
    const refused = await api(`/api/appliances/${AC}/set`, { values: { mode: "turbo" } });
    expect(refused.status).toBe(400);
    expect(refused.json["error"]).toMatch(/mode/);
    expect((await api(`/api/appliances/${AC}/invoke`, { action: "selfClean", params: { dryMinutes: 99 } })).json["error"]).toMatch(/dryMinutes/);
  });

  it("draws each appliance's front panel from its board, and its keys press the simulated panel: the washer's program key changes the program, the cloud sees it, its light follows", async () => {
    const washer = page.locator('[data-device="sim-washer-1"]');
    const front = washer.locator("[data-front-panel]");
    await expect.poll(() => front.locator("button[data-key]").allTextContents()).toEqual(["start", "program", "temperature", "spin", "cancel"]);
    await expect.poll(() => page.locator('[data-device="sim-fridge-1"] [data-front-panel] button[data-key]').count()).toBe(0);
    const program = async () => (await view("sim-washer-1"))?.reported["program"];
    const before = await program();
    await front.locator('button[data-key="program"]').click();
    await expect.poll(program, { timeout: 15_000 }).not.toBe(before);
    const now = (await program()) as string;
    await expect.poll(() => front.locator(`[data-light="${now}"]`).getAttribute("class"), { timeout: 15_000 }).toMatch(/\bon\b/);
    await expect.poll(() => front.locator("[data-digits]").getAttribute("data-text"), { timeout: 15_000 }).toMatch(/^\d+$/);
    // The air conditioner's digits show its target, as the board's segments light them.
    const target = await page.locator(`[data-device="${AC}"] tr[data-prop="target"] td.value`).textContent();
    await expect.poll(() => page.locator(`[data-device="${AC}"] [data-digits]`).getAttribute("data-text"), { timeout: 15_000 }).toBe(String(Number.parseFloat(target ?? "")));
    // A key the panel has not: refused, named.
    const refused = await api("/api/appliances/sim-washer-1/key", { key: 9 });
    expect(refused.status).toBe(400);
    expect(refused.json["error"]).toMatch(/panel keys 0\.\.4 \(start, program, temperature, spin, cancel\), not 9/);
  });

  it("says what a hand did: the locked washer door stays shut, the fridge door opened; the log is in words", async () => {
    const fridgePanel = page.locator('[data-device="sim-fridge-1"]');
    await fridgePanel.locator('button[data-hand="open door"]').click();
    await expect.poll(() => fridgePanel.locator("[data-happened]").textContent(), { timeout: 10_000 }).toMatch(/open door: the door is open/);
    await expect.poll(() => fridgePanel.locator('tr[data-prop="doorOpen"] td.value').textContent(), { timeout: 15_000 }).toBe("open");
    await fridgePanel.locator('button[data-hand="shut door"]').click();
    await expect.poll(() => fridgePanel.locator("[data-log]").textContent(), { timeout: 10_000 }).toMatch(/by hand: shut door: the door is shut/);
    // The fridge's door periods: a strip with the period the door was open.
    await expect.poll(async () => Number(await fridgePanel.locator('[data-strip="doorOpen"]').getAttribute("data-periods")), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  });

  it("starts the washer and the vacuum from their action buttons: the washer's timeline shows its phases planned and done, the vacuum's map its path; the README's screenshots (HEARTH_UPDATE_SCREENSHOT=1 writes docs/console.png and docs/console-phone.png)", async () => {
    const washerPanel = page.locator('[data-device="sim-washer-1"]');
    await washerPanel.locator('button[data-action="start"]').click();
    await expect.poll(() => washerPanel.locator("[data-log]").textContent(), { timeout: 15_000 }).toMatch(/Start accepted: Expected time \d+ min/);
    await expect.poll(() => washerPanel.locator('tr[data-prop="state"] td.value').textContent(), { timeout: 15_000 }).toMatch(/Filling|Heating|Washing/);
    // Opening its door now, by hand: the lock holds, and the page says so.
    await washerPanel.locator('button[data-hand="open door"]').click();
    await expect.poll(() => washerPanel.locator("[data-happened]").textContent(), { timeout: 10_000 }).toMatch(/the door is locked/);
    // The timeline: the phases planned (filling, heating, washing, ..., spinning), and those it has been through.
    const planned = washerPanel.locator("[data-timeline] [data-planned] [data-phase]");
    await expect.poll(async () => (await planned.evaluateAll((es) => es.map((e) => (e as unknown as { dataset: { phase: string } }).dataset.phase))).join(" "), { timeout: 15_000 }).toMatch(/^filling heating washing draining filling rinsing draining .*spinning$/);
    await expect.poll(() => washerPanel.locator("[data-timeline] [data-actual] [data-phase]").count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(await washerPanel.locator("[data-timeline]").textContent()).toMatch(/Time left: \d+ min/);
    // The vacuum sets off too: its map shows the path it has cleaned, more than one point, and where it is.
    const vacuumPanel = page.locator('[data-device="sim-vacuum-1"]');
    await vacuumPanel.locator('button[data-action="start"]').click();
    await expect.poll(() => vacuumPanel.locator('tr[data-prop="state"] td.value').textContent(), { timeout: 15_000 }).toBe("Cleaning");
    const points = async () => Number(await vacuumPanel.locator("[data-floor-map] g.path").getAttribute("data-points"));
    await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(5);
    expect(await vacuumPanel.locator("[data-floor-map] .room-name").allTextContents()).toEqual(["Bedroom", "Hall", "Living room", "Kitchen"]);
    expect(await vacuumPanel.locator("[data-floor-map] .robot").getAttribute("visibility")).toBe("visible");
    // The schedule reads as a clock time and the zone as an offset.
    expect(await vacuumPanel.locator('tr[data-prop="scheduleAt"] td.value').textContent()).toBe("10:00");
    expect(await vacuumPanel.locator('tr[data-prop="utcOffset"] td.value').textContent()).toBe("UTC+8");
    await page.waitForTimeout(1500);
    // The README's pictures are refreshed on request only, so a test run leaves the working tree clean.
    const update = process.env["HEARTH_UPDATE_SCREENSHOT"] === "1";
    const path = update ? "docs/console.png" : join(mkdtempSync(join(tmpdir(), "hearth-console-")), "console.png");
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(50_000);
    // The washer's card, its panel counting the minutes down (docs/washer-panel.png).
    await expect.poll(() => washerPanel.locator("[data-digits]").getAttribute("data-text"), { timeout: 15_000 }).toMatch(/^\d+$/);
    const card = update ? "docs/washer-panel.png" : join(dirname(path), "washer-panel.png");
    await washerPanel.locator("[data-front-panel]").screenshot({ path: card });
    expect(statSync(card).size).toBeGreaterThan(5_000);

    // On a phone, 390 px wide: one column, nothing wider than the screen, every card usable.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await phone.goto(base);
    await expect.poll(() => phone.locator('[data-device="sim-vacuum-1"] [data-floor-map] g.path').getAttribute("data-points"), { timeout: 15_000 }).not.toBeNull();
    await phone.waitForTimeout(1000);
    const overflow = await phone.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number }; querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { right: number }; tagName: string; className: string }> } }).document;
      const wide = Array.from(d.querySelectorAll("body *")).filter((e) => e.getBoundingClientRect().right > 391).map((e) => `${e.tagName}.${String(e.className)}`);
      return { scrollWidth: d.documentElement.scrollWidth, clientWidth: d.documentElement.clientWidth, wide: wide.slice(0, 5) };
    });
    expect(overflow.wide).toEqual([]);
    expect(overflow.scrollWidth).toBeLessThanOrEqual(390);
    const phoneShot = update ? "docs/console-phone.png" : join(dirname(path), "console-phone.png");
    await phone.locator('[data-device="sim-washer-1"]').screenshot({ path: phoneShot });
    expect(statSync(phoneShot).size).toBeGreaterThan(20_000);
    await phone.close();
  });
});
