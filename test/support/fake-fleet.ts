import mqtt, { type MqttClient } from "mqtt";
import pg from "pg";
import { ErrorCode } from "../../sdk/thing/errors.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { decodeMessage, encodeMessage, type Message } from "../../sdk/protocol/envelope.js";
import { membersToWire } from "../../sdk/protocol/members.js";
import { checkValues } from "../../sdk/thing/validate.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import { topics } from "../../sdk/protocol/transport.js";

/**
 * Many devices that speak the protocol as PROTOCOL.md section 5 has a device
 * do (a hello at connect, every report kept until acked and sent again after
 * `resendMs` or a no-session, sets acked, invokes answered), without a
 * firmware each: a few MQTT connections carry all of them, so a thousand fit
 * in a test. What the cloud acknowledged is recorded, to be checked against
 * the store.
 */
export class FakeFleet {
  readonly ids: string[];
  /** Per device, the reports the cloud acknowledged: seq to values. */
  readonly acked = new Map<string, Map<number, Record<string, unknown>>>();
  /** Per device, the desired versions it was set to, in order. */
  readonly setVersions = new Map<string, number[]>();
  readonly stats = { sent: 0, resent: 0, acks: 0, noSession: 0, refused: 0 };
  /** What the cloud refused, and why (it should refuse nothing a test sends). */
  readonly refusals: string[] = [];
  private readonly seq = new Map<string, number>();
  private readonly unacked = new Map<string, Map<number, { frame: Uint8Array; values?: Record<string, unknown>; sentAt: number }>>();
  private readonly clients: MqttClient[] = [];
  private readonly clientOf = new Map<string, MqttClient>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly model: AnyModel,
    options: { devices: number; connections?: number; prefix?: string; resendMs?: number; login?: { username: string; password: string } },
  ) {
    this.ids = Array.from({ length: options.devices }, (_, i) => `${options.prefix ?? "fake"}-${i}`);
    this.options = { connections: options.connections ?? 10, resendMs: options.resendMs ?? 5000, ...(options.login === undefined ? {} : { login: options.login }) };
  }
  private readonly options: { connections: number; resendMs: number; login?: { username: string; password: string } };

  async start(): Promise<void> {
    const per = Math.ceil(this.ids.length / this.options.connections);
    for (let c = 0; c < this.options.connections; c++) {
      const mine = this.ids.slice(c * per, (c + 1) * per);
      if (mine.length === 0) break;
      const client = await mqtt.connectAsync(this.url, { clientId: `${mine[0]}-conn-${process.pid}`, protocolVersion: 4, reconnectPeriod: 200, ...(this.options.login ?? {}) });
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      client.on("message", (topic, payload) => this.receive(topic.split("/")[1] as string, new Uint8Array(payload)));
      await client.subscribeAsync(mine.map((id) => topics.down(id)), { qos: 1 });
      for (const id of mine) this.clientOf.set(id, client);
      this.clients.push(client);
    }
    for (const id of this.ids) {
      this.seq.set(id, 1);
      this.unacked.set(id, new Map());
      this.acked.set(id, new Map());
      this.hello(id);
    }
    this.timer = setInterval(() => this.resendStale(), Math.max(50, this.options.resendMs / 4));
  }

  /** Sends a report from `id`; resolves nothing: what the cloud acks is recorded. Returns its seq. */
  report(id: string, values: Record<string, unknown>): number {
    const seq = this.takeSeq(id);
    const frame = encodeMessage({ type: "report", seq, values: membersToWire(this.model.spec.properties, checkValues(this.model.spec.properties, values, "property", false)) });
    this.unacked.get(id)?.set(seq, { frame, values, sentAt: Date.now() });
    this.publish(id, frame);
    return seq;
  }

  /** Reports not yet acknowledged, over the fleet. */
  get outstanding(): number {
    let n = 0;
    for (const m of this.unacked.values()) n += m.size;
    return n;
  }

  async waitUntilAcked(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.outstanding > 0) {
      if (Date.now() > end) throw new Error(`${this.outstanding} reports still unacknowledged after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await Promise.all(this.clients.map((c) => c.endAsync(true)));
  }

  private hello(id: string): void {
    const seq = this.takeSeq(id);
    const frame = encodeMessage({ type: "hello", seq, firmware: "1.0.0", model: this.model.id, modelHash: modelHash(this.model), resetReason: 0, bootCount: 1, desiredVersion: this.setVersions.get(id)?.at(-1) ?? 0 });
    this.unacked.get(id)?.set(seq, { frame, sentAt: Date.now() });
    this.publish(id, frame);
  }

  private takeSeq(id: string): number {
    const seq = this.seq.get(id) ?? 1;
    this.seq.set(id, seq + 1);
    return seq;
  }

  private publish(id: string, frame: Uint8Array): void {
    this.stats.sent++;
    this.clientOf.get(id)?.publish(topics.up(id), Buffer.from(frame), { qos: 1 });
  }

  private resendStale(): void {
    const before = Date.now() - this.options.resendMs;
    for (const [id, pending] of this.unacked) {
      for (const entry of pending.values()) {
        if (entry.sentAt > before) continue;
        entry.sentAt = Date.now();
        this.stats.resent++;
        this.publish(id, entry.frame);
      }
    }
  }

  private receive(id: string, payload: Uint8Array): void {
    let m: Message;
    try {
      m = decodeMessage(payload);
    } catch {
      return;
    }
    const pending = this.unacked.get(id);
    switch (m.type) {
      case "ack": {
        const entry = pending?.get(m.ref);
        if (entry === undefined) return;
        pending?.delete(m.ref);
        this.stats.acks++;
        if (entry.values !== undefined) this.acked.get(id)?.set(m.ref, entry.values);
        return;
      }
      case "error":
        if (m.code === ErrorCode["no-session"]) {
          // As a device does: hello again, and everything unacknowledged again.
          this.stats.noSession++;
          this.hello(id);
          for (const entry of pending?.values() ?? []) entry.sentAt = 0;
          return;
        }
        this.stats.refused++;
        this.refusals.push(`${id} seq ${m.ref}: ${m.code} ${m.detail}`);
        pending?.delete(m.ref);
        return;
      case "set": {
        const versions = this.setVersions.get(id) ?? [];
        const held = versions.at(-1) ?? 0;
        if (m.version <= held) {
          this.publish(id, encodeMessage({ type: "error", seq: this.takeSeq(id), ref: m.seq, code: ErrorCode.stale, member: null, detail: "stale", current: held }));
          return;
        }
        versions.push(m.version);
        this.setVersions.set(id, versions);
        this.publish(id, encodeMessage({ type: "ack", seq: this.takeSeq(id), ref: m.seq }));
        return;
      }
      case "invoke": {
        // Echoes its params as its result (the counter's echo action), once per command id.
        const seq = this.takeSeq(id);
        const frame = encodeMessage({ type: "result", seq, id: m.id, result: m.params });
        pending?.set(seq, { frame, sentAt: Date.now() });
        this.publish(id, frame);
        return;
      }
      default:
        return;
    }
  }
}

/** Every acknowledged report's history rows: none missing, none twice. */
export async function audit(dbUrl: string, fleet: FakeFleet): Promise<{ acknowledged: number; missing: number; duplicates: number }> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const rows = (await c.query<{ device: string; seq: number; n: number }>("SELECT device, seq, count(*)::int AS n FROM hearth_history WHERE member = 'level' GROUP BY device, seq")).rows;
  await c.end();
  const stored = new Map(rows.map((r) => [`${r.device}/${r.seq}`, r.n]));
  let acknowledged = 0;
  let missing = 0;
  for (const [id, reports] of fleet.acked) {
    for (const seq of reports.keys()) {
      acknowledged++;
      if (!stored.has(`${id}/${seq}`)) missing++;
    }
  }
  return { acknowledged, missing, duplicates: rows.filter((r) => r.n > 1).length };
}
