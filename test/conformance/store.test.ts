import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HearthError } from "../../sdk/thing/errors.js";
import { MemoryStore } from "../../sdk/cloud/store/memory.js";
import { PostgresStore } from "../../sdk/cloud/store/node/postgres.js";
import type { CloudStore, Uplink } from "../../sdk/cloud/store/port.js";
import { freshDatabase, postgresUrl } from "../support/postgres.js";

/**
 * The store contract (sdk/cloud/store/STORE.md), one suite held against both
 * stores: in memory, and PostgreSQL on the cluster .ci/run starts. A fixture
 * gives a fresh store, and (PostgreSQL only) a second handle on the same data,
 * as a second instance of the tier has.
 */
interface Fixture {
  name: string;
  open(): Promise<{ store: CloudStore; twin?: () => Promise<CloudStore>; done(): Promise<void> }>;
}

const fixtures: Fixture[] = [{ name: "memory", open: async () => ({ store: new MemoryStore(), done: async () => undefined }) }];
const pgUrl = postgresUrl();
if (pgUrl !== undefined) {
  fixtures.push({
    name: "postgres",
    open: async () => {
      const db = await freshDatabase(pgUrl);
      const opened: CloudStore[] = [];
      const open = async () => {
        const s = await PostgresStore.open({ url: db.url });
        opened.push(s);
        return s;
      };
      const store = await open();
      return {
        store,
        twin: open,
        done: async () => {
          for (const s of opened) await s.close();
          await db.drop();
        },
      };
    },
  });
}

const T0 = 1_800_000_000_000;
const hello = (seq: number, bootCount = 1, at = T0): Uplink => ({ kind: "hello", deviceId: "d1", seq, at, model: "counter", modelHash: "00ff", firmware: "1.0.0", bootCount, desiredVersion: 0 });
const report = (seq: number, values: Record<string, number | string | boolean>, at = T0 + seq, deviceId = "d1"): Uplink => ({ kind: "report", deviceId, seq, at, values });

describe.each(fixtures)("store contract: $name", (fixture) => {
  let ctx: Awaited<ReturnType<Fixture["open"]>>;
  let store: CloudStore;
  const fresh = async (): Promise<void> => {
    await ctx?.done();
    ctx = await fixture.open();
    store = ctx.store;
  };
  beforeAll(fresh);
  afterAll(() => ctx.done());

  it("a report from a device with no hello is refused for want of a session, and kept nowhere", async () => {
    await fresh();
    expect(await store.accept([report(5, { count: 1 })])).toEqual(["no-session"]);
    expect(await store.device("d1")).toBeUndefined();
    expect(await store.reported("d1")).toEqual({});
  });

  it("a hello makes the session; each (device, session, seq) is taken once, a repeat changes nothing", async () => {
    await fresh();
    expect(await store.accept([hello(1)])).toEqual(["taken"]);
    expect(await store.device("d1")).toMatchObject({ model: "counter", modelHash: "00ff", firmware: "1.0.0", bootCount: 1, session: 1, maxSeq: 1, online: true });
    expect(await store.accept([report(2, { count: 7 }), report(2, { count: 8 }), hello(1)])).toEqual(["taken", "repeat", "repeat"]);
    expect(await store.accept([report(2, { count: 9 })])).toEqual(["repeat"]);
    expect((await store.reported("d1"))["count"]).toMatchObject({ value: 7, session: 1, seq: 2 });
    expect(await store.history("d1", 0, Infinity)).toEqual([{ member: "count", value: 7, at: T0 + 2, seq: 2 }]);
  });

  it("per member, the report with the later (session, seq) wins, whatever order they arrive in; history keeps each", async () => {
    await fresh();
    await store.accept([hello(1)]);
    await store.accept([report(6, { count: 2, label: "b" })]);
    await store.accept([report(5, { count: 1, on: true })]);
    const state = await store.reported("d1");
    expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.value]))).toEqual({ count: 2, label: "b", on: true });
    expect((await store.history("d1", 0, Infinity, "count")).map((r) => r.value)).toEqual([1, 2]);
    expect((await store.device("d1"))?.maxSeq).toBe(6);
  });

  it("a hello whose boot count or seq went back starts a new session: its seqs are no repeats, and its reports win", async () => {
    await fresh();
    await store.accept([hello(10, 3), report(11, { count: 5 })]);
    expect(await store.accept([hello(1, 1)])).toEqual(["taken"]);
    expect((await store.device("d1"))?.session).toBe(2);
    expect(await store.accept([report(2, { count: 1 })])).toEqual(["taken"]);
    expect((await store.reported("d1"))["count"]).toMatchObject({ value: 1, session: 2, seq: 2 });
    // Same boot count, a seq far below the highest and not a repeat: the flash was erased.
    await store.accept([report(2000, { count: 2 })]);
    expect(await store.accept([hello(3, 1)])).toEqual(["taken"]);
    expect((await store.device("d1"))?.session).toBe(3);
  });

  it("a hello taken after later reports (delivered out of order, within the reorder window) keeps the session: nothing is taken twice", async () => {
    await fresh();
    await store.accept([hello(13, 1), report(2, { count: 1 }), report(14, { count: 2 })]);
    expect(await store.accept([hello(1, 1)])).toEqual(["taken"]);
    expect((await store.device("d1"))?.session).toBe(1);
    expect(await store.accept([report(2, { count: 1 }), report(14, { count: 2 })])).toEqual(["repeat", "repeat"]);
  });

  it("events, answers (the first answer to a command stands) and rollout progress (latest stamp) are kept", async () => {
    await fresh();
    await store.accept([hello(1)]);
    const outcomes = await store.accept([
      { kind: "event", deviceId: "d1", seq: 2, at: T0 + 2, name: "door", fields: { open: true } },
      { kind: "result", deviceId: "d1", seq: 3, at: T0 + 3, commandId: 77, result: { ok: 1 } },
      { kind: "result", deviceId: "d1", seq: 4, at: T0 + 4, commandId: 77, result: { ok: 2 } },
      { kind: "otaStatus", deviceId: "d1", seq: 6, at: T0 + 6, updateId: 9, phase: "ready", offset: 100, detail: "" },
      { kind: "otaStatus", deviceId: "d1", seq: 5, at: T0 + 5, updateId: 9, phase: "downloading", offset: 50, detail: "" },
    ]);
    expect(outcomes).toEqual(["taken", "taken", "taken", "taken", "taken"]);
    expect(await store.events("d1", 0, Infinity)).toEqual([{ name: "door", fields: { open: true }, at: T0 + 2, seq: 2 }]);
    expect(await store.answer("d1", 77)).toEqual({ ok: 1 });
    expect(await store.answer("d1", 78)).toBeUndefined();
    expect(await store.rollout(9)).toEqual([{ deviceId: "d1", phase: "ready", offset: 100, detail: "", at: T0 + 6 }]);
  });

  it("presence: offline, then online again at the next hello", async () => {
    await fresh();
    await store.accept([hello(1)]);
    await store.offline("d1", T0 + 50);
    expect(await store.device("d1")).toMatchObject({ online: false, presenceAt: T0 + 50 });
    await store.accept([hello(2, 1, T0 + 60)]);
    expect(await store.device("d1")).toMatchObject({ online: true, presenceAt: T0 + 60 });
    expect((await store.devices()).map((d) => d.deviceId)).toEqual(["d1"]);
  });

  it("rollout plans: kept whole, listed oldest first, told to every listener; an id planned twice is busy and changes nothing", async () => {
    await fresh();
    const heard: number[] = [];
    const off = store.onRolloutPlan((id) => heard.push(id));
    const image = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    const plan = { id: 4_000_000_001, image, devices: ["d1", "d2"], share: 0.5, maxFailures: 3, at: T0 + 2 };
    await store.planRollout(plan);
    await store.planRollout({ ...plan, id: 7, devices: [], share: 1, maxFailures: null, at: T0 + 1 });
    await expect(store.planRollout({ ...plan, image: new Uint8Array(1) })).rejects.toMatchObject({ code: "busy" });
    expect(await store.rolloutPlan(plan.id)).toEqual(plan);
    expect(await store.rolloutPlan(8)).toBeUndefined();
    expect(await store.rolloutPlans()).toEqual([7, plan.id]);
    for (let i = 0; i < 200 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heard.sort()).toEqual([7, plan.id].sort());
    off();
  });

  it("devices(ids): those of the ids it knows, in device order; none for an empty list", async () => {
    await fresh();
    await store.accept([{ ...hello(1), deviceId: "d2" }, hello(1), { ...hello(1), deviceId: "d3" }]);
    expect((await store.devices(["d3", "nobody", "d1"])).map((d) => d.deviceId)).toEqual(["d1", "d3"]);
    expect(await store.devices([])).toEqual([]);
    expect((await store.devices(["d2"]))[0]).toEqual(await store.device("d2"));
  });

  it("desired: each change the next version, merged; an expected version that is not the current one is stale; atLeast; deviceHas never goes back", async () => {
    await fresh();
    expect(await store.desired("d1")).toEqual({ version: 0, values: {}, deviceVersion: 0 });
    await expect(store.changeDesired("d1", { target: 1 }, { expected: 3 })).rejects.toMatchObject({ code: "stale" });
    expect(await store.changeDesired("d1", { target: 20 }, { expected: 0 })).toEqual({ version: 1, values: { target: 20 }, deviceVersion: 0 });
    expect(await store.changeDesired("d1", { mode: "eco" })).toEqual({ version: 2, values: { target: 20, mode: "eco" }, deviceVersion: 0 });
    const stale = await store.changeDesired("d1", { target: 1 }, { expected: 1 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(HearthError);
    expect((stale as HearthError).code).toBe("stale");
    expect((await store.desired("d1")).values).toEqual({ target: 20, mode: "eco" });
    expect(await store.changeDesired("d1", { mode: "cool" }, { expected: 2 })).toEqual({ version: 3, values: { target: 20, mode: "cool" }, deviceVersion: 0 });
    expect((await store.changeDesired("d1", { target: 21 }, { atLeast: 10 })).version).toBe(10);
    await store.deviceHas("d1", 10);
    await store.deviceHas("d1", 4);
    expect(await store.desired("d1")).toEqual({ version: 10, values: { target: 21, mode: "cool" }, deviceVersion: 10 });
  });

  it("history over a time range, by member; prune drops what is older than the retention, inbox entries included", async () => {
    await fresh();
    await store.accept([hello(1, 1, T0)]);
    for (let seq = 2; seq < 12; seq++) await store.accept([report(seq, { count: seq, on: seq % 2 === 0 }, T0 + seq * 1000)]);
    expect((await store.history("d1", T0 + 4000, T0 + 7000, "count")).map((r) => r.value)).toEqual([4, 5, 6]);
    expect(await store.history("d1", T0 + 4000, T0 + 5000)).toEqual([
      { member: "count", value: 4, at: T0 + 4000, seq: 4 },
      { member: "on", value: true, at: T0 + 4000, seq: 4 },
    ]);
    await store.prune(T0 + 9000);
    expect((await store.history("d1", 0, Infinity, "count")).map((r) => r.value)).toEqual([9, 10, 11]);
    // Its inbox entry is gone with it: past the retention, a very late resend counts as new (STORE.md, "Retention").
    expect(await store.accept([report(3, { count: 3 }, T0 + 20_000)])).toEqual(["taken"]);
    expect((await store.reported("d1"))["count"]?.value).toBe(11);
  });

  it("seq blocks: distinct, each 2^20 wide, inside the protocol's 32-bit seqs", async () => {
    await fresh();
    const blocks = [await store.seqBlock(), await store.seqBlock(), await store.seqBlock()];
    expect(new Set(blocks).size).toBe(3);
    for (const b of blocks) expect(b + (1 << 20) - 1).toBeLessThanOrEqual(0xffffffff);
    expect(blocks.every((b) => b >= 1)).toBe(true);
  });

  it("an answer published reaches every handle on the store", async () => {
    await fresh();
    const other = ctx.twin === undefined ? store : await ctx.twin();
    const heard = new Promise<[string, number[]]>((resolve) => other.onAnswer((id, frame) => resolve([id, [...frame]])));
    await store.publishAnswer("d1", Uint8Array.of(0x83, 6, 1, 0xff));
    expect(await heard).toEqual(["d1", [0x83, 6, 1, 0xff]]);
  });

  it("property: one device's reports, repeated and in any order, over any number of handles: each seq taken exactly once, and per member the latest seq's value", async () => {
    await fresh();
    const handles = ctx.twin === undefined ? [store] : [store, await ctx.twin()];
    let device = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ member: fc.constantFrom("a", "b", "c"), value: fc.integer({ min: 0, max: 99 }) }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        async (writes, picks, batchSize) => {
          const id = `p${device++}`;
          await store.accept([{ ...hello(1), deviceId: id }]);
          const uplinks = writes.map((w, i) => report(i + 2, { [w.member]: w.value }, T0 + i, id));
          // Each report at least once, then repeats picked at random, shuffled, in batches spread over the handles.
          const sent = [...uplinks, ...picks.map((p) => uplinks[p % uplinks.length] as Uplink)];
          const order = sent.map((u, i) => ({ u, key: (picks[i % picks.length] ?? 0) * 31 + i * 17 })).sort((a, b) => (a.key % 97) - (b.key % 97));
          const batches: Uplink[][] = [];
          for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize).map((o) => o.u));
          const outcomes = (await Promise.all(batches.map((b, i) => (handles[i % handles.length] as CloudStore).accept(b)))).flat();
          const taken = outcomes.filter((o) => o === "taken").length;
          expect(taken).toBe(uplinks.length);
          const expected: Record<string, number> = {};
          for (const w of writes) expected[w.member] = w.value;
          const state = await store.reported(id);
          expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.value]))).toEqual(expected);
          expect((await store.history(id, 0, Infinity)).length).toBe(writes.length);
        },
      ),
      { numRuns: fixture.name === "memory" ? 200 : 40 },
    );
  });

  it("a reopened store holds everything (PostgreSQL: a restarted tier forgets nothing)", async () => {
    if (ctx.twin === undefined) return; // memory: nothing outlives the process, by design
    await fresh();
    await store.accept([hello(1), report(2, { count: 3 })]);
    await store.changeDesired("d1", { target: 5 });
    await store.close();
    const reopened = await (ctx.twin as () => Promise<CloudStore>)();
    expect((await reopened.reported("d1"))["count"]?.value).toBe(3);
    expect((await reopened.desired("d1")).version).toBe(1);
    expect(await reopened.accept([report(2, { count: 4 })])).toEqual(["repeat"]);
  });
});

// The schema is a document too: every table STORE.md names exists, and no other.
describe.runIf(pgUrl !== undefined)("store schema (PostgreSQL)", () => {
  it("has exactly the tables STORE.md names", async () => {
    const db = await freshDatabase(pgUrl as string);
    const store = await PostgresStore.open({ url: db.url });
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    await c.end();
    await store.close();
    await db.drop();
    const doc = (await import("node:fs")).readFileSync(new URL("../../sdk/cloud/store/STORE.md", import.meta.url), "utf8");
    const named = [...doc.matchAll(/^### `(hearth_\w+)`/gm)].map((m) => m[1]).sort();
    expect(rows.map((r) => r.tablename)).toEqual(named);
  });
});
