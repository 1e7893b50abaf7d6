import pg from "pg";
import { HearthError } from "../../../thing/errors.js";
import { SEQ_BLOCK, type CloudStore, type DeviceRecord, type Desired, type HistoryRow, type Outcome, type ReportedMember, type RolloutPlan, type RolloutProgress, type StoredEvent, type StoredValue, type Uplink } from "../port.js";
import { startsNewSession } from "../rules.js";
import { ANSWERS_CHANNEL, PLANS_CHANNEL, SCHEMA, SCHEMA_LOCK } from "./schema.js";

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pool. Default 4. */
  poolSize?: number;
}

type Query = Pick<pg.PoolClient, "query">;
type Hello = Extract<Uplink, { kind: "hello" }>;

/**
 * Errors after which the whole transaction is tried again: a deadlock, a serialization failure, and a
 * unique violation (two instances inserting the same new device at once: the second finds it next time).
 */
const RETRYABLE = new Set(["40P01", "40001", "23505"]);

/** A device's row; its highest seq is kept at each hello, and taken from the inbox in between (reports do not write the row). */
const DEVICE_SELECT = `SELECT d.device, d.model, d.model_hash, d.firmware, d.boot_count, d.session, d.online, d.presence_at,
  GREATEST(d.max_seq, (SELECT max(i.seq) FROM hearth_inbox i WHERE i.device = d.device AND i.session = d.session)) AS max_seq
  FROM hearth_devices d`;

/** bigint columns (oid 20) as numbers: every one here (seqs, versions, Unix ms) is below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as "text"))) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * The store in PostgreSQL (STORE.md): what many instances share. Each
 * accepted batch is one transaction; answers between instances travel by
 * LISTEN/NOTIFY. Node-only (pg).
 */
export class PostgresStore implements CloudStore {
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private readonly answerListeners = new Set<(deviceId: string, frame: Uint8Array) => void>();
  private readonly planListeners = new Set<(updateId: number) => void>();
  private closed = false;

  private constructor(private readonly options: PostgresStoreOptions) {
    this.pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4, types });
    // A connection that dies (the server restarted) fails the query it was running, if any, and the pool
    // drops it; the event itself is no error of ours (unheard, it would end the process).
    this.pool.on("error", () => undefined);
    this.pool.on("connect", (client) => client.on("error", () => undefined));
  }

  /** Opens the store: makes the schema if it is not there, and listens for answers. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    await store.transaction(async (q) => {
      await q.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
      await q.query(SCHEMA);
    });
    await store.listen();
    return store;
  }

  async accept(batch: readonly Uplink[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(batch.length);
    const hellos: number[] = [];
    const rest: number[] = [];
    batch.forEach((u, i) => (u.kind === "hello" ? hellos : rest).push(i));
    // Hellos first (they may start a session), then the rest: two transactions, each locking its
    // devices' rows in one ordered pass, so no two instances' transactions wait for each other in a circle.
    if (hellos.length > 0) await this.transaction((q) => this.hellos(q, batch, hellos, outcomes));
    if (rest.length > 0) await this.transaction((q) => this.others(q, batch, rest, outcomes));
    return outcomes;
  }

  private async hellos(q: Query, batch: readonly Uplink[], indices: readonly number[], outcomes: Outcome[]): Promise<void> {
    const order = [...indices].sort((x, y) => byDeviceThenSeq(batch[x] as Uplink, batch[y] as Uplink));
    const ids = [...new Set(order.map((i) => (batch[i] as Uplink).deviceId))];
    await q.query("SELECT 1 FROM hearth_devices WHERE device = ANY($1) ORDER BY device FOR UPDATE", [ids]);
    for (const i of order) outcomes[i] = await this.hello(q, batch[i] as Hello);
  }

  private async others(q: Query, batch: readonly Uplink[], indices: readonly number[], outcomes: Outcome[]): Promise<void> {
    const ids = [...new Set(indices.map((i) => (batch[i] as Uplink).deviceId))].sort();
    // No row lock: a lock, even KEY SHARE, writes each row it takes (two instances sharing a device's rows
    // make PostgreSQL keep multixacts for them), and a session that changes meanwhile only stamps these
    // reports with the old session, whose stamps lose to the new one's (STORE.md, "Sessions").
    const sessions = new Map(
      (await q.query<{ device: string; session: number }>("SELECT device, session FROM hearth_devices WHERE device = ANY($1)", [ids])).rows.map((r) => [r.device, r.session]),
    );
    const known = indices.filter((i) => sessions.has((batch[i] as Uplink).deviceId)).sort((x, y) => byDeviceThenSeq(batch[x] as Uplink, batch[y] as Uplink));
    for (const i of indices) if (!sessions.has((batch[i] as Uplink).deviceId)) outcomes[i] = "no-session";
    if (known.length === 0) return;
    const taken = new Set(
      (
        await q.query<{ device: string; seq: number }>(
          `INSERT INTO hearth_inbox (device, session, seq, at) SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[])
           ON CONFLICT DO NOTHING RETURNING device, seq`,
          columns(known.map((i) => batch[i] as Uplink), (u) => [u.deviceId, sessions.get(u.deviceId), u.seq, u.at]),
        )
      ).rows.map((r) => `${r.device}/${r.seq}`),
    );
    const effects: Uplink[] = [];
    for (const i of known) {
      const u = batch[i] as Uplink;
      // The same uplink twice in one batch: the first takes the inbox row, the second is a repeat.
      outcomes[i] = taken.delete(`${u.deviceId}/${u.seq}`) ? "taken" : "repeat";
      if (outcomes[i] === "taken") effects.push(u);
    }
    await this.apply(q, effects, sessions);
  }

  /** The effects of the uplinks just taken, each kind in one statement. */
  private async apply(q: Query, taken: readonly Uplink[], sessions: ReadonlyMap<string, number>): Promise<void> {
    const reports = taken.filter((u): u is Extract<Uplink, { kind: "report" }> => u.kind === "report");
    if (reports.length > 0) {
      // Within the batch, per member the latest stamp wins; then against the table, the same rule in SQL.
      const latest = new Map<string, { device: string; member: string; value: StoredValue; seq: number; at: number }>();
      const history: [string, string, number, number, string][] = [];
      for (const r of reports) {
        for (const [member, value] of Object.entries(r.values)) {
          const key = `${r.deviceId}\u0000${member}`;
          const kept = latest.get(key);
          if (kept === undefined || kept.seq < r.seq) latest.set(key, { device: r.deviceId, member, value, seq: r.seq, at: r.at });
          history.push([r.deviceId, member, r.at, r.seq, JSON.stringify(value)]);
        }
      }
      const rows = [...latest.values()].sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.member < b.member ? -1 : 1));
      await q.query(
        `INSERT INTO hearth_reported (device, member, value, session, seq, at)
         SELECT device, member, value::jsonb, session, seq, at FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[]) AS v(device, member, value, session, seq, at)
         ON CONFLICT (device, member) DO UPDATE SET value = excluded.value, session = excluded.session, seq = excluded.seq, at = excluded.at
         WHERE (hearth_reported.session, hearth_reported.seq) < (excluded.session, excluded.seq)`,
        columns(rows, (r) => [r.device, r.member, JSON.stringify(r.value), sessions.get(r.device), r.seq, r.at]),
      );
      await q.query(`INSERT INTO hearth_history (device, member, at, seq, value) SELECT device, member, at, seq, value::jsonb FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS v(device, member, at, seq, value)`, columns(history, (h) => h));
    }
    const events = taken.filter((u): u is Extract<Uplink, { kind: "event" }> => u.kind === "event");
    if (events.length > 0) {
      await q.query(
        `INSERT INTO hearth_events (device, at, seq, name, fields) SELECT device, at, seq, name, fields::jsonb FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS v(device, at, seq, name, fields)`,
        columns(events, (e) => [e.deviceId, e.at, e.seq, e.name, JSON.stringify(e.fields)]),
      );
    }
    const results = taken.filter((u): u is Extract<Uplink, { kind: "result" }> => u.kind === "result");
    if (results.length > 0) {
      await q.query(
        `INSERT INTO hearth_answers (device, command, result, at) SELECT device, command, result::jsonb, at FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS v(device, command, result, at) ON CONFLICT DO NOTHING`,
        columns(results, (r) => [r.deviceId, r.commandId, JSON.stringify(r.result), r.at]),
      );
    }
    for (const s of taken) {
      if (s.kind !== "otaStatus") continue;
      await q.query(
        `INSERT INTO hearth_rollouts (update_id, device, phase, "offset", detail, session, seq, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (update_id, device) DO UPDATE SET phase = excluded.phase, "offset" = excluded."offset", detail = excluded.detail, session = excluded.session, seq = excluded.seq, at = excluded.at
         WHERE (hearth_rollouts.session, hearth_rollouts.seq) < (excluded.session, excluded.seq)`,
        [s.updateId, s.deviceId, s.phase, s.offset, s.detail, sessions.get(s.deviceId), s.seq, s.at],
      );
    }
  }

  /** One hello, its device's row locked already (STORE.md, accept step 1). */
  private async hello(q: Query, h: Hello): Promise<Outcome> {
    const found = await q.query<{ session: number; boot_count: number; max_seq: number }>("SELECT session, boot_count, max_seq FROM hearth_devices WHERE device = $1", [h.deviceId]);
    let session = 1;
    const row = found.rows[0];
    if (row === undefined) {
      // A device no instance has seen: two instances inserting it at once is a unique violation, and tried again.
      await q.query(
        "INSERT INTO hearth_devices (device, model, model_hash, firmware, boot_count, session, max_seq, online, presence_at) VALUES ($1, $2, $3, $4, $5, 1, 0, true, $6)",
        [h.deviceId, h.model, h.modelHash, h.firmware, h.bootCount, h.at],
      );
    } else {
      session = row.session;
      const inbox = (await q.query<{ max: number | null; repeat: boolean | null }>("SELECT max(seq) AS max, bool_or(seq = $3) AS repeat FROM hearth_inbox WHERE device = $1 AND session = $2", [h.deviceId, session, h.seq])).rows[0];
      const repeat = inbox?.repeat === true;
      if (startsNewSession({ bootCount: row.boot_count, maxSeq: Math.max(row.max_seq, inbox?.max ?? 0) }, h, repeat)) {
        session++;
        await q.query("DELETE FROM hearth_inbox WHERE device = $1", [h.deviceId]);
        await q.query("UPDATE hearth_devices SET session = $2, max_seq = 0 WHERE device = $1", [h.deviceId, session]);
      } else if (repeat) {
        return "repeat";
      } else {
        await q.query("UPDATE hearth_devices SET max_seq = GREATEST(max_seq, $2) WHERE device = $1", [h.deviceId, inbox?.max ?? 0]);
      }
    }
    await q.query("INSERT INTO hearth_inbox (device, session, seq, at) VALUES ($1, $2, $3, $4)", [h.deviceId, session, h.seq, h.at]);
    await q.query(
      `UPDATE hearth_devices SET model = $2, model_hash = $3, firmware = $4, boot_count = $5, max_seq = GREATEST(max_seq, $6), online = true, presence_at = $7 WHERE device = $1`,
      [h.deviceId, h.model, h.modelHash, h.firmware, h.bootCount, h.seq, h.at],
    );
    return "taken";
  }

  async device(deviceId: string): Promise<DeviceRecord | undefined> {
    const { rows } = await this.pool.query<DeviceRow>(`${DEVICE_SELECT} WHERE d.device = $1`, [deviceId]);
    return rows[0] === undefined ? undefined : record(rows[0]);
  }

  async devices(ids?: readonly string[]): Promise<DeviceRecord[]> {
    const { rows } =
      ids === undefined
        ? await this.pool.query<DeviceRow>(`${DEVICE_SELECT} ORDER BY d.device`)
        : await this.pool.query<DeviceRow>(`${DEVICE_SELECT} WHERE d.device = ANY($1) ORDER BY d.device`, [ids]);
    return rows.map(record);
  }

  async offline(deviceId: string, at: number): Promise<void> {
    await this.pool.query("UPDATE hearth_devices SET online = false, presence_at = $2 WHERE device = $1", [deviceId, at]);
  }

  async reported(deviceId: string): Promise<Record<string, ReportedMember>> {
    const { rows } = await this.pool.query<{ member: string; value: StoredValue; session: number; seq: number; at: number }>("SELECT member, value, session, seq, at FROM hearth_reported WHERE device = $1", [deviceId]);
    return Object.fromEntries(rows.map((r) => [r.member, { value: r.value, session: r.session, seq: r.seq, at: r.at }]));
  }

  async desired(deviceId: string): Promise<Desired> {
    const { rows } = await this.pool.query<DesiredRow>("SELECT version, doc, device_version FROM hearth_desired WHERE device = $1", [deviceId]);
    return rows[0] === undefined ? { version: 0, values: {}, deviceVersion: 0 } : desired(rows[0]);
  }

  async changeDesired(deviceId: string, values: Readonly<Record<string, StoredValue>>, options: { expected?: number; atLeast?: number } = {}): Promise<Desired> {
    // One statement either way: the version check and the change are atomic, whichever instance asks.
    const expected = options.expected;
    const { rows } =
      expected !== undefined && expected > 0
        ? await this.pool.query<DesiredRow>(
            `UPDATE hearth_desired d SET version = GREATEST(d.version + 1, $3::bigint), doc = d.doc || $2::jsonb WHERE d.device = $1 AND d.version = $4::bigint
             RETURNING version, doc, device_version`,
            [deviceId, JSON.stringify(values), options.atLeast ?? 0, expected],
          )
        : await this.pool.query<DesiredRow>(
            `INSERT INTO hearth_desired AS d (device, version, doc, device_version) VALUES ($1, GREATEST(1, $3::bigint), $2::jsonb, 0)
             ON CONFLICT (device) DO UPDATE SET version = GREATEST(d.version + 1, $3::bigint), doc = d.doc || excluded.doc
             WHERE $4::bigint IS NULL OR d.version = $4::bigint
             RETURNING version, doc, device_version`,
            [deviceId, JSON.stringify(values), options.atLeast ?? 0, expected ?? null],
          );
    if (rows[0] !== undefined) return desired(rows[0]);
    const now = await this.desired(deviceId);
    throw new HearthError("stale", `device ${deviceId}'s desired document is at version ${now.version}, not ${options.expected}`);
  }

  async deviceHas(deviceId: string, version: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO hearth_desired AS d (device, version, doc, device_version) VALUES ($1, 0, '{}'::jsonb, $2)
       ON CONFLICT (device) DO UPDATE SET device_version = GREATEST(d.device_version, excluded.device_version)`,
      [deviceId, version],
    );
  }

  async history(deviceId: string, from: number, to: number, member?: string): Promise<HistoryRow[]> {
    const { rows } = await this.pool.query<HistoryRow>(
      "SELECT member, value, at, seq FROM hearth_history WHERE device = $1 AND at >= $2 AND at < $3 AND ($4::text IS NULL OR member = $4) ORDER BY at, seq, member",
      [deviceId, bound(from), bound(to), member ?? null],
    );
    return rows;
  }

  async events(deviceId: string, from: number, to: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<StoredEvent>("SELECT name, fields, at, seq FROM hearth_events WHERE device = $1 AND at >= $2 AND at < $3 ORDER BY at, seq", [deviceId, bound(from), bound(to)]);
    return rows;
  }

  async answer(deviceId: string, commandId: number): Promise<Record<string, StoredValue> | undefined> {
    const { rows } = await this.pool.query<{ result: Record<string, StoredValue> }>("SELECT result FROM hearth_answers WHERE device = $1 AND command = $2", [deviceId, commandId]);
    return rows[0]?.result;
  }

  async rollout(updateId: number): Promise<RolloutProgress[]> {
    const { rows } = await this.pool.query<RolloutProgress>(`SELECT device AS "deviceId", phase, "offset", detail, at FROM hearth_rollouts WHERE update_id = $1 ORDER BY device`, [updateId]);
    return rows;
  }

  async planRollout(plan: RolloutPlan): Promise<void> {
    // The plan and its word to every instance in one transaction: NOTIFY is sent at the commit.
    await this.transaction(async (q) => {
      const { rowCount } = await q.query(
        `INSERT INTO hearth_rollout_plans (update_id, image, devices, share, max_failures, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [plan.id, Buffer.from(plan.image), plan.devices, plan.share, plan.maxFailures, plan.at],
      );
      if (rowCount === 0) throw new HearthError("busy", `update id ${plan.id} is already rolling out`);
      await q.query("SELECT pg_notify($1, $2)", [PLANS_CHANNEL, String(plan.id)]);
    });
  }

  async rolloutPlan(updateId: number): Promise<RolloutPlan | undefined> {
    const { rows } = await this.pool.query<{ update_id: number; image: Buffer; devices: string[]; share: number; max_failures: number | null; at: number }>(
      "SELECT update_id, image, devices, share, max_failures, at FROM hearth_rollout_plans WHERE update_id = $1",
      [updateId],
    );
    const r = rows[0];
    return r === undefined ? undefined : { id: r.update_id, image: new Uint8Array(r.image), devices: r.devices, share: r.share, maxFailures: r.max_failures, at: r.at };
  }

  async rolloutPlans(): Promise<number[]> {
    const { rows } = await this.pool.query<{ update_id: number }>("SELECT update_id FROM hearth_rollout_plans ORDER BY at, update_id");
    return rows.map((r) => r.update_id);
  }

  onRolloutPlan(listener: (updateId: number) => void): () => void {
    this.planListeners.add(listener);
    return () => this.planListeners.delete(listener);
  }

  async prune(before: number): Promise<void> {
    for (const table of ["hearth_inbox", "hearth_history", "hearth_events", "hearth_answers"]) await this.pool.query(`DELETE FROM ${table} WHERE at < $1`, [before]);
  }

  async seqBlock(): Promise<number> {
    const { rows } = await this.pool.query<{ block: number }>("SELECT nextval('hearth_seq_blocks') AS block");
    return (rows[0] as { block: number }).block * SEQ_BLOCK + 1;
  }

  async publishAnswer(deviceId: string, frame: Uint8Array): Promise<void> {
    await this.pool.query("SELECT pg_notify($1, $2)", [ANSWERS_CHANNEL, `${deviceId} ${Buffer.from(frame).toString("base64")}`]);
  }

  onAnswer(listener: (deviceId: string, frame: Uint8Array) => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  /** Runs `work` in one transaction, again after a deadlock or serialization failure (at most 5 times). */
  private async transaction<T>(work: (q: Query) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        client.release();
        return result;
      } catch (error) {
        const retry = RETRYABLE.has((error as { code?: string }).code ?? "");
        if (retry) await client.query("ROLLBACK").catch(() => undefined);
        // Any other failure may have left the connection broken (the server restarted): it is not reused.
        client.release(retry ? undefined : true);
        if (attempt < 5 && retry) continue;
        throw error;
      }
    }
  }

  /** One connection that LISTENs for answers, opened again (after a pause) when it drops. */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on("error", () => undefined);
    client.on("notification", (n) => {
      if (n.channel === PLANS_CHANNEL) {
        for (const listener of this.planListeners) listener(Number(n.payload));
        return;
      }
      const [deviceId, frame] = (n.payload ?? "").split(" ");
      if (deviceId === undefined || frame === undefined) return;
      const bytes = new Uint8Array(Buffer.from(frame, "base64"));
      for (const listener of this.answerListeners) listener(deviceId, bytes);
    });
    client.on("end", () => {
      if (this.closed) return;
      setTimeout(() => this.listen().catch(() => undefined), 500).unref();
    });
    const again = this.listener !== undefined;
    try {
      await client.connect();
      await client.query(`LISTEN ${ANSWERS_CHANNEL}; LISTEN ${PLANS_CHANNEL}`);
      this.listener = client;
      // Plans kept while this connection was down were told to nobody here: told again (listeners skip what they hold).
      if (again) for (const id of await this.rolloutPlans()) for (const listener of this.planListeners) listener(id);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (this.listener === undefined && !this.closed) throw error;
    }
  }
}

interface DeviceRow {
  device: string;
  model: string;
  model_hash: string;
  firmware: string;
  boot_count: number;
  session: number;
  max_seq: number;
  online: boolean;
  presence_at: number;
}

interface DesiredRow {
  version: number;
  doc: Record<string, StoredValue>;
  device_version: number;
}

function record(r: DeviceRow): DeviceRecord {
  return { deviceId: r.device, model: r.model, modelHash: r.model_hash, firmware: r.firmware, bootCount: r.boot_count, session: r.session, maxSeq: r.max_seq, online: r.online, presenceAt: r.presence_at };
}

function desired(r: DesiredRow): Desired {
  return { version: r.version, values: r.doc, deviceVersion: r.device_version };
}

function byDeviceThenSeq(a: Uplink, b: Uplink): number {
  return a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq;
}

/** A time bound as a bigint: an open end (±Infinity) as the furthest a Unix ms can be. */
function bound(ms: number): number {
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, ms));
}

/** Rows as columns: unnest's parameters, one array per column. */
function columns<T>(rows: readonly T[], row: (r: T) => readonly unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (const r of rows) row(r).forEach((v, i) => (out[i] ??= []).push(v));
  return out;
}
