import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAPI } from "../../sdk/cloud/node/openapi.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { outsideBroker, uniqueId } from "../support/brokers.js";
import { spawnInstance, stopInstance, tokenFile } from "../support/cloud-instance.js";
import { counterModel } from "../support/counter-app.js";
import { FakeFleet } from "../support/fake-fleet.js";
import { freshDatabase, postgresUrl } from "../support/postgres.js";

/**
 * `hearth cloud serve` as the README runs it: two instances on one
 * PostgreSQL and one Mosquitto, and a client (the console, a backend) reading
 * and changing devices through either one's HTTP API.
 */
const broker = outsideBroker();
const pgUrl = postgresUrl();
const cli = fileURLToPath(new URL("../../dist/sdk/desk/node/cli/main.js", import.meta.url));

describe.runIf(broker !== undefined && pgUrl !== undefined)("hearth cloud serve: two instances, one PostgreSQL, the HTTP API", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: Awaited<ReturnType<typeof spawnInstance>>;
  let b: Awaited<ReturnType<typeof spawnInstance>>;
  let fleet: FakeFleet;
  const tokens = tokenFile();
  const api = (base: string, path: string, init: RequestInit = {}, token: string | null = tokens.token) =>
    fetch(`${base}${path}`, { ...init, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });

  beforeAll(async () => {
    db = await freshDatabase(pgUrl as string);
    const options = { broker: broker!.url(), store: db.url, tokens: tokens.path, group: uniqueId("serve") };
    [a, b] = await Promise.all([spawnInstance(options), spawnInstance(options)]);
    fleet = new FakeFleet(broker!.url(), counterModel as unknown as AnyModel, { devices: 5, connections: 1, prefix: uniqueId("serve"), resendMs: 1000 });
    await fleet.start();
    for (const id of fleet.ids) fleet.report(id, { level: 42, label: "hi" });
    await fleet.waitUntilAcked(15_000);
  });
  afterAll(async () => {
    await fleet?.stop();
    await Promise.all([a, b].filter(Boolean).map((i) => stopInstance(i.process, "SIGKILL")));
    await db?.drop();
  });

  it("admits only its clients: no token, or another, is 401 unauthorized; the OpenAPI document is public", async () => {
    const none = await api(a.url, "/v1/devices", {}, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "unauthorized" });
    expect((await api(a.url, "/v1/devices", {}, "not-a-token-of-this-api")).status).toBe(401);
    const doc = (await (await fetch(`${a.url}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(Object.keys(OPENAPI.paths));
  });

  it("either instance reads any device: presence, reported state, history", async () => {
    const id = fleet.ids[0] as string;
    for (const base of [a.url, b.url]) {
      const res = await api(base, `/v1/devices/${id}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { device: { online: boolean; model: string }; reported: Record<string, { value: unknown }> };
      expect(body.device).toMatchObject({ online: true, model: counterModel.id });
      expect(body.reported["level"]?.value).toBe(42);
      expect(body.reported["label"]?.value).toBe("hi");
    }
    const history = (await (await api(b.url, `/v1/devices/${id}/history?member=level&from=0`)).json()) as { history: { value: number }[] };
    expect(history.history.map((h) => h.value)).toEqual([42]);
    const list = (await (await api(b.url, "/v1/devices")).json()) as { devices: { deviceId: string }[] };
    expect(list.devices.map((d) => d.deviceId).sort()).toEqual([...fleet.ids].sort());
    const missing = await api(a.url, "/v1/devices/nobody-here");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "no-session" });
  });

  it("gives each device's model (the revision it said hello with) and every model served: what a console needs to show its values", async () => {
    const id = fleet.ids[0] as string;
    const record = ((await (await api(a.url, `/v1/devices/${id}`)).json()) as { device: { modelHash: string } }).device;
    const model = (await (await api(b.url, `/v1/devices/${id}/model`)).json()) as { id: string; hash: string; version: number; spec: typeof counterModel.spec };
    expect(model).toMatchObject({ id: counterModel.id, hash: record.modelHash, version: counterModel.spec.version });
    // The definition as the model's own: a JSON round trip of it, labels and ranges included.
    expect(model.spec).toEqual(JSON.parse(JSON.stringify(counterModel.spec)));
    const all = (await (await api(a.url, "/v1/models")).json()) as { models: { id: string; hash: string }[] };
    expect(all.models).toEqual([expect.objectContaining({ id: counterModel.id, hash: record.modelHash })]);
    const none = await api(a.url, "/v1/devices/nobody-here/model");
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: "no-session" });
    expect((await api(a.url, `/v1/devices/${id}/model`, {}, null)).status).toBe(401);
  });

  it("a desired change at the version it expects (If-Match), 412 stale otherwise; the device gets it", async () => {
    const id = fleet.ids[1] as string;
    const first = await api(a.url, `/v1/devices/${id}/desired`, { method: "PATCH", headers: { "if-match": '"0"' }, body: JSON.stringify({ values: { level: 7 } }) });
    expect(first.status).toBe(202);
    expect(first.headers.get("etag")).toBe('"1"');
    const conflict = await api(b.url, `/v1/devices/${id}/desired`, { method: "PATCH", headers: { "if-match": '"0"' }, body: JSON.stringify({ values: { level: 8 } }) });
    expect(conflict.status).toBe(412);
    expect(await conflict.json()).toMatchObject({ error: "stale" });
    const second = await api(b.url, `/v1/devices/${id}/desired`, { method: "PATCH", headers: { "if-match": '"1"' }, body: JSON.stringify({ values: { label: "x" } }) });
    expect(second.status).toBe(202);
    await expect.poll(() => fleet.setVersions.get(id), { timeout: 5000 }).toEqual([1, 2]);
    await expect.poll(async () => ((await (await api(a.url, `/v1/devices/${id}/desired`)).json()) as { deviceVersion: number }).deviceVersion, { timeout: 5000 }).toBe(2);
    const readOnly = await api(a.url, `/v1/devices/${id}/desired`, { method: "PATCH", body: JSON.stringify({ values: { n: 1 } }) });
    expect(readOnly.status).toBe(400);
    expect(await readOnly.json()).toMatchObject({ error: "read-only", member: "n" });
    const outOfRange = await api(a.url, `/v1/devices/${id}/desired`, { method: "PATCH", body: JSON.stringify({ values: { level: 500 } }) });
    expect(await outOfRange.json()).toMatchObject({ error: "out-of-range", member: "level" });
  });

  it("a device that holds a newer desired version (set through another cloud) says so: the document goes above it and reaches it", async () => {
    const id = fleet.ids[4] as string;
    fleet.setVersions.set(id, [5]);
    const res = await api(a.url, `/v1/devices/${id}/desired`, { method: "PATCH", headers: { "if-match": '"0"' }, body: JSON.stringify({ values: { level: 9 } }) });
    expect(res.status).toBe(202);
    expect(res.headers.get("etag")).toBe('"1"');
    await expect.poll(() => fleet.setVersions.get(id), { timeout: 5000 }).toEqual([5, 6]);
    await expect.poll(async () => (await (await api(b.url, `/v1/devices/${id}/desired`)).json()) as unknown, { timeout: 5000 }).toEqual({ version: 6, values: { level: 9 }, deviceVersion: 6 });
  });

  it("invoke with a deadline: the result, wherever the device's answer lands; bad params named", async () => {
    const id = fleet.ids[2] as string;
    for (let x = 0; x < 6; x++) {
      const res = await api(x % 2 === 0 ? a.url : b.url, `/v1/devices/${id}/actions/echo`, { method: "POST", body: JSON.stringify({ params: { x }, timeoutMs: 5000, deadlineMs: 5000 }) });
      expect(await res.json()).toEqual({ result: { x } });
    }
    const bad = await api(a.url, `/v1/devices/${id}/actions/echo`, { method: "POST", body: JSON.stringify({ params: { x: "two" } }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad-param", member: "x" });
    const unknown = await api(a.url, `/v1/devices/${id}/actions/fly`, { method: "POST", body: "{}" });
    expect(await unknown.json()).toMatchObject({ error: "unknown-action" });
  });

  it("a rollout's bad body is refused (400) with what is wrong", async () => {
    for (const [body, error] of [
      [{ image: "AAAA", devices: [fleet.ids[0]], maxFailures: 1.5 }, "out-of-range"],
      [{ image: "AAAA", devices: [fleet.ids[0]], maxFailures: 3e9 }, "out-of-range"],
      [{ image: "AAAA", devices: "all" }, "malformed"],
    ] as const) {
      const res = await api(a.url, "/v1/rollouts", { method: "POST", body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error });
    }
  });

  it("events as a server-sent stream: reported values as they are stored, from any instance", async () => {
    const id = fleet.ids[3] as string;
    const controller = new AbortController();
    const res = await api(b.url, `/v1/devices/${id}/events`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    fleet.report(id, { level: 99 });
    let text = "";
    while (!text.includes('"value":99')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain("event: reported");
    controller.abort();
  });

  it("bad arguments: one line, exit 2, nothing started", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, "cloud", "serve", ...args], { encoding: "utf8" });
    const noStore = run("--broker", broker!.url(), "--tokens", tokens.path);
    expect(noStore.status).toBe(2);
    expect(noStore.stderr.trim().split("\n")).toHaveLength(1);
    expect(noStore.stderr).toContain("--store");
    const noTokens = run("--broker", broker!.url(), "--store", db.url);
    expect(noTokens.status).toBe(2);
    expect(noTokens.stderr).toContain("--tokens");
    const badStore = run("--broker", broker!.url(), "--store", "mysql://x", "--tokens", tokens.path);
    expect(badStore.status).toBe(2);
  });
});
