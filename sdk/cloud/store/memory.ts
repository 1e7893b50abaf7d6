import { HearthError } from "../../thing/errors.js";
import { SEQ_BLOCK, SEQ_BLOCKS, type CloudStore, type ImmediateStore, type DeviceRecord, type Desired, type HistoryRow, type Outcome, type ReportedMember, type RolloutPlan, type RolloutProgress, type StoredEvent, type StoredValue, type Uplink } from "./port.js";
import { startsNewSession, stampIsLater } from "./rules.js";

interface DeviceState {
  record: DeviceRecord;
  /** The inbox: `session:seq` of every uplink taken lately, with when. */
  inbox: Map<string, number>;
  reported: Record<string, ReportedMember>;
  history: HistoryRow[];
  events: StoredEvent[];
  answers: Map<number, { result: Record<string, StoredValue>; at: number }>;
}

/**
 * The store in one process's memory: for tests and the desk, where one
 * instance serves the fleet and forgetting at exit is fine. Same contract as
 * PostgresStore; a batch is all or nothing here too (it is checked before
 * anything is applied, and applying cannot fail).
 */
export class MemoryStore implements CloudStore {
  private readonly state = new Map<string, DeviceState>();
  private readonly desiredDocs = new Map<string, Desired>();
  private readonly rollouts = new Map<number, Map<string, RolloutProgress & { session: number; seq: number }>>();
  private readonly plans = new Map<number, RolloutPlan>();
  private readonly planListeners = new Set<(updateId: number) => void>();
  private nextBlock = 0;
  private readonly answerListeners = new Set<(deviceId: string, frame: Uint8Array) => void>();

  readonly immediate: ImmediateStore = {
    accept: (batch) => batch.map((uplink) => this.take(uplink)),
    device: (deviceId) => {
      const record = this.state.get(deviceId)?.record;
      return record === undefined ? undefined : { ...record };
    },
    desired: (deviceId) => copy(this.desiredDocs.get(deviceId) ?? { version: 0, values: {}, deviceVersion: 0 }),
    changeDesired: (deviceId, values, options = {}) => {
      const doc = this.desiredDocs.get(deviceId) ?? { version: 0, values: {}, deviceVersion: 0 };
      if (options.expected !== undefined && options.expected !== doc.version) {
        throw new HearthError("stale", `device ${deviceId}'s desired document is at version ${doc.version}, not ${options.expected}`);
      }
      const next = { version: Math.max(doc.version + 1, options.atLeast ?? 0), values: { ...doc.values, ...values }, deviceVersion: doc.deviceVersion };
      this.desiredDocs.set(deviceId, next);
      return copy(next);
    },
    deviceHas: (deviceId, version) => {
      const doc = this.desiredDocs.get(deviceId) ?? { version: 0, values: {}, deviceVersion: 0 };
      this.desiredDocs.set(deviceId, { ...doc, deviceVersion: Math.max(doc.deviceVersion, version) });
    },
    seqBlock: () => {
      const block = this.nextBlock;
      this.nextBlock = (this.nextBlock + 1) % SEQ_BLOCKS;
      return block * SEQ_BLOCK + 1;
    },
  };

  async accept(batch: readonly Uplink[]): Promise<Outcome[]> {
    return this.immediate.accept(batch);
  }

  private take(u: Uplink): Outcome {
    let s = this.state.get(u.deviceId);
    if (u.kind === "hello") {
      if (s === undefined) {
        s = { record: { deviceId: u.deviceId, model: u.model, modelHash: u.modelHash, firmware: u.firmware, bootCount: u.bootCount, session: 1, maxSeq: 0, online: true, presenceAt: u.at }, inbox: new Map(), reported: {}, history: [], events: [], answers: new Map() };
        this.state.set(u.deviceId, s);
      } else if (startsNewSession(s.record, u, s.inbox.has(`${s.record.session}:${u.seq}`))) {
        s.record = { ...s.record, session: s.record.session + 1, maxSeq: 0 };
        s.inbox.clear();
      }
      if (!this.enter(s, u)) return "repeat";
      Object.assign(s.record, { model: u.model, modelHash: u.modelHash, firmware: u.firmware, bootCount: u.bootCount, online: true, presenceAt: u.at });
      return "taken";
    }
    if (s === undefined) return "no-session";
    if (!this.enter(s, u)) return "repeat";
    const session = s.record.session;
    switch (u.kind) {
      case "report":
        for (const [member, value] of Object.entries(u.values)) {
          const kept = s.reported[member];
          if (kept === undefined || stampIsLater({ session, seq: u.seq }, kept)) s.reported[member] = { value, session, seq: u.seq, at: u.at };
          s.history.push({ member, value, at: u.at, seq: u.seq });
        }
        break;
      case "event":
        s.events.push({ name: u.name, fields: { ...u.fields }, at: u.at, seq: u.seq });
        break;
      case "result":
        if (!s.answers.has(u.commandId)) s.answers.set(u.commandId, { result: { ...u.result }, at: u.at });
        break;
      case "otaStatus": {
        let progress = this.rollouts.get(u.updateId);
        if (progress === undefined) this.rollouts.set(u.updateId, (progress = new Map()));
        const kept = progress.get(u.deviceId);
        if (kept === undefined || stampIsLater({ session, seq: u.seq }, kept)) {
          progress.set(u.deviceId, { deviceId: u.deviceId, phase: u.phase, offset: u.offset, detail: u.detail, at: u.at, session, seq: u.seq });
        }
        break;
      }
    }
    return "taken";
  }

  /** Enters the uplink in its device's inbox: false when it is there already. */
  private enter(s: DeviceState, u: Uplink): boolean {
    const key = `${s.record.session}:${u.seq}`;
    if (s.inbox.has(key)) return false;
    s.inbox.set(key, u.at);
    s.record.maxSeq = Math.max(s.record.maxSeq, u.seq);
    return true;
  }

  async device(deviceId: string): Promise<DeviceRecord | undefined> {
    return this.immediate.device(deviceId);
  }

  async devices(ids?: readonly string[]): Promise<DeviceRecord[]> {
    const wanted = ids === undefined ? undefined : new Set(ids);
    return [...this.state.values()]
      .filter((s) => wanted?.has(s.record.deviceId) ?? true)
      .map((s) => ({ ...s.record })).sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
  }

  async offline(deviceId: string, at: number): Promise<void> {
    const s = this.state.get(deviceId);
    if (s !== undefined) Object.assign(s.record, { online: false, presenceAt: at });
  }

  async reported(deviceId: string): Promise<Record<string, ReportedMember>> {
    return copy(this.state.get(deviceId)?.reported ?? {});
  }

  async desired(deviceId: string): Promise<Desired> {
    return this.immediate.desired(deviceId);
  }

  async changeDesired(deviceId: string, values: Readonly<Record<string, StoredValue>>, options: { expected?: number; atLeast?: number } = {}): Promise<Desired> {
    return this.immediate.changeDesired(deviceId, values, options);
  }

  async deviceHas(deviceId: string, version: number): Promise<void> {
    this.immediate.deviceHas(deviceId, version);
  }

  async history(deviceId: string, from: number, to: number, member?: string): Promise<HistoryRow[]> {
    const rows = this.state.get(deviceId)?.history ?? [];
    return rows.filter((r) => r.at >= from && r.at < to && (member === undefined || r.member === member)).sort((a, b) => a.at - b.at || a.seq - b.seq || (a.member < b.member ? -1 : 1));
  }

  async events(deviceId: string, from: number, to: number): Promise<StoredEvent[]> {
    const rows = this.state.get(deviceId)?.events ?? [];
    return copy(rows.filter((r) => r.at >= from && r.at < to).sort((a, b) => a.at - b.at || a.seq - b.seq));
  }

  async answer(deviceId: string, commandId: number): Promise<Record<string, StoredValue> | undefined> {
    const found = this.state.get(deviceId)?.answers.get(commandId);
    return found === undefined ? undefined : { ...found.result };
  }

  async rollout(updateId: number): Promise<RolloutProgress[]> {
    return [...(this.rollouts.get(updateId)?.values() ?? [])].map(({ deviceId, phase, offset, detail, at }) => ({ deviceId, phase, offset, detail, at })).sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
  }

  async planRollout(plan: RolloutPlan): Promise<void> {
    if (this.plans.has(plan.id)) throw new HearthError("busy", `update id ${plan.id} is already rolling out`);
    this.plans.set(plan.id, { ...plan, image: plan.image.slice(), devices: [...plan.devices] });
    for (const listener of this.planListeners) listener(plan.id);
  }

  async rolloutPlan(updateId: number): Promise<RolloutPlan | undefined> {
    const plan = this.plans.get(updateId);
    return plan === undefined ? undefined : { ...plan, image: plan.image.slice(), devices: [...plan.devices] };
  }

  async rolloutPlans(): Promise<number[]> {
    return [...this.plans.values()].sort((a, b) => a.at - b.at || a.id - b.id).map((p) => p.id);
  }

  onRolloutPlan(listener: (updateId: number) => void): () => void {
    this.planListeners.add(listener);
    return () => this.planListeners.delete(listener);
  }

  async prune(before: number): Promise<void> {
    for (const s of this.state.values()) {
      for (const [key, at] of s.inbox) if (at < before) s.inbox.delete(key);
      s.history = s.history.filter((r) => r.at >= before);
      s.events = s.events.filter((r) => r.at >= before);
      for (const [id, a] of s.answers) if (a.at < before) s.answers.delete(id);
    }
  }

  async seqBlock(): Promise<number> {
    return this.immediate.seqBlock();
  }

  async publishAnswer(deviceId: string, frame: Uint8Array): Promise<void> {
    for (const listener of this.answerListeners) listener(deviceId, frame);
  }

  onAnswer(listener: (deviceId: string, frame: Uint8Array) => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  async close(): Promise<void> {}
}

/** A deep copy of JSON-safe data: callers never hold the store's own objects. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
