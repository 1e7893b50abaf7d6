import { clearHostTimeout, setHostTimeout, type TimerHandle } from "./host-timers.js";
import { ErrorCode, HearthError } from "../thing/errors.js";
import type { AnyModel, Model, ModelSpec } from "../thing/model.js";
import { decodeMessage, encodeMessage, MAX_SEQ, seqOf, type Message } from "../protocol/envelope.js";
import { bytesToHex as hex } from "@noble/hashes/utils.js";
import { modelHash } from "../protocol/model-hash.js";
import { checkDeviceId, topics, type Transport } from "../protocol/transport.js";
import type { Checked } from "../thing/validate.js";
import { membersFromWire, membersToWire } from "../protocol/members.js";
import { CloudDevice } from "./cloud-device.js";
import { DeviceLookups } from "./lookups.js";
import { Intake, type IntakeOptions } from "./intake.js";
import { Rollout, type RolloutOptions } from "./rollout.js";
import { MemoryStore } from "./store/memory.js";
import { SEQ_BLOCK, type CloudStore, type Desired, type Outcome, type StoredValue, type Uplink } from "./store/port.js";

export interface CloudStats {
  received: number;
  malformed: number;
  /** Uplinks refused before their ack: an unknown model or revision, a member the model does not allow. */
  refused: number;
  duplicates: number;
  unknownDevices: number;
  /** Answers that came after their caller had timed out. */
  late: number;
  /** Answers this instance passed on to the others (a request another instance made). */
  forwarded: number;
}

interface Pending {
  resolve(message: Message): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

export interface CloudOptions extends IntakeOptions {
  /** Where the fleet is kept. Default: a MemoryStore of this cloud's own (one instance, forgotten at exit). */
  store?: CloudStore;
  /**
   * A tool beside the backend's own cloud (hearth get, set, invoke): it sends its commands and
   * hears every uplink, but answers none (no ack, error or time) and judges no session: the backend's cloud does.
   */
  observer?: boolean;
}

/**
 * The cloud-side counterpart of the device link, for backends, the console
 * and tests. It speaks the same protocol over any Transport: it acknowledges
 * every hello, report, event, result and update status once its store has
 * committed it (so a device stops resending only what is kept) and hands each
 * to the backend exactly once; answers time requests; keeps each device's
 * desired state with its version in the store and sends it again when a
 * device says hello with an older one.
 *
 * Many instances may share one store (PostgreSQL) and one shared
 * subscription (start's `uplink`): a device's messages may then reach any of
 * them in any order, and the store decides what is new (store/STORE.md).
 */
export class Cloud {
  readonly stats: CloudStats = { received: 0, malformed: 0, refused: 0, duplicates: 0, unknownDevices: 0, late: 0, forwarded: 0 };
  readonly store: CloudStore;
  private readonly intake: Intake;
  /** Devices met before their hello (another instance took it): looked up in the store first. */
  private readonly lookups: DeviceLookups;
  private readonly devices = new Map<string, CloudDevice<ModelSpec>>();
  private readonly pending = new Map<string, Pending>();
  /** The models this cloud serves: every revision of each id, by its model hash. */
  private readonly models = new Map<string, { model: AnyModel; hash: string }[]>();
  private readonly refusalListeners = new Set<(deviceId: string, message: Message, error: HearthError) => void>();
  /** Downlink seqs (and command ids) come from a block of the store's: no other instance uses them. */
  private seq = 0;
  private seqEnd = SEQ_BLOCK;
  private up = false;
  private readonly waitingForUp: (() => void)[] = [];
  private readonly uplinkListeners = new Set<(deviceId: string, message: Message) => void>();
  private readonly rollouts = new Map<number, Rollout>();
  /** Rollouts started here, until their plan is kept in a shared store; and rollouts being loaded from it. */
  private readonly plansKept = new Map<number, Promise<void>>();
  /** When each rollout held here was planned: of those selecting a device, the newest is offered at its hello. */
  private readonly plannedAt = new Map<number, number>();
  private readonly following = new Set<number>();
  private offPlans: (() => void) | undefined;
  /** Devices online now, with the firmware each said hello with. */
  private readonly presence = new Map<string, string>();
  private offAnswers: (() => void) | undefined;
  /** Results that settled their caller before their commit: not to be passed on after it. */
  private readonly answered = new Set<string>();

  /**
   * `clock` is the cloud's wall clock (Unix ms) for time sync and command
   * deadlines: Date.now by default; a simulation that runs faster than real
   * time passes its own, so device and cloud agree on what time it is.
   */
  constructor(
    private readonly transport: Transport,
    models: readonly AnyModel[] = [],
    private readonly clock: () => number = Date.now,
    private readonly options: CloudOptions = {},
  ) {
    for (const model of models) this.serve(model);
    this.store = options.store ?? new MemoryStore();
    this.intake = new Intake(this.store, options);
    this.lookups = new DeviceLookups(this.store, (record) => {
      const found = this.models.get(record.model)?.find((r) => r.hash === record.modelHash);
      if (found !== undefined && !this.devices.has(record.deviceId)) this.device(record.deviceId, found.model as unknown as Model<ModelSpec>);
    });
    const block = this.store.immediate?.seqBlock();
    if (block !== undefined) this.useBlock(block);
  }

  /** Whether the cloud's own session with the broker is up (it reconnects by itself when not). */
  get connected(): boolean {
    return this.up;
  }

  /** Uplinks waiting for the store; shed, failed and committed batches (intake.ts). */
  get intakeStats(): { pending: number; shed: number; failures: number; batches: number; lastFailure: string | undefined } {
    const failure = this.intake.lastFailure;
    return { pending: this.intake.pending, ...this.intake.stats, lastFailure: failure === undefined ? undefined : String(failure) };
  }

  /**
   * Connects; resolves once the session is up and subscribed. `uplink` is the
   * topic filter to take the devices' uplink on: `$share/GROUP/h/+/u` for one
   * of many instances sharing the fleet. Default: all of it, `h/+/u`.
   */
  async start(options: { uplink?: string } = {}): Promise<void> {
    if (this.store.immediate === undefined) this.useBlock(await this.store.seqBlock());
    this.offAnswers = this.store.onAnswer((deviceId, frame) => this.forwardedAnswer(deviceId, frame));
    if (this.sharesRollouts) {
      this.offPlans = this.store.onRolloutPlan((id) => void this.follow(id));
      for (const id of await this.store.rolloutPlans()) void this.follow(id);
    }
    this.transport.start({
      up: () => {
        this.transport.subscribe(options.uplink ?? topics.allUp);
        this.up = true;
        for (const resolve of this.waitingForUp.splice(0)) resolve();
      },
      down: () => {
        this.up = false;
      },
      message: (topic, payload) => this.receive(topic, payload),
    });
    return this.up ? Promise.resolve() : new Promise((resolve) => this.waitingForUp.push(resolve));
  }

  async stop(): Promise<void> {
    for (const [key, p] of this.pending) {
      clearHostTimeout(p.timer);
      p.reject(new HearthError("offline", "cloud stopped"));
      this.pending.delete(key);
    }
    this.intake.stop();
    this.offAnswers?.();
    this.offPlans?.();
    await this.transport.stop();
  }

  /** Serves this model (one more revision, when its id is served already with another hash). */
  serve(model: AnyModel): void {
    const hash = hex(modelHash(model));
    const revisions = this.models.get(model.id) ?? [];
    if (!revisions.some((r) => r.hash === hash)) this.models.set(model.id, [...revisions, { model, hash }]);
  }

  /** Hears every uplink the cloud refused before acknowledging it, and why. */
  onRefusal(listener: (deviceId: string, message: Message, error: HearthError) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  /** The device with this id, typed by its model. */
  device<M extends ModelSpec>(id: string, model: Model<M>): CloudDevice<M> {
    checkDeviceId(id);
    this.serve(model as unknown as AnyModel);
    const known = this.devices.get(id);
    if (known !== undefined) {
      if (known.model.id !== model.id) throw new HearthError("wrong-type", `device ${id} is a ${known.model.id}, not a ${model.id}`);
      return known as unknown as CloudDevice<M>;
    }
    const store = this.store;
    const created = new CloudDevice(id, model, {
      request: (d, m, t) => this.request(d, m, t),
      commandId: () => this.nextSeq(),
      now: () => Math.round(this.clock()),
      keepDesired: async (d, values, atLeast) => (store.immediate !== undefined ? store.immediate.changeDesired(d, values, { atLeast }) : store.changeDesired(d, values, { atLeast })),
      deviceHas: (d, version) => {
        if (store.immediate !== undefined) store.immediate.deviceHas(d, version);
        else store.deviceHas(d, version).catch(() => undefined); // its next ack or hello says it again
      },
    });
    const doc = this.store.immediate?.desired(id);
    if (doc !== undefined) created.holdDesired(doc);
    this.devices.set(id, created as unknown as CloudDevice<ModelSpec>);
    return created;
  }

  /** Hears every hello, report, event and result once (after de-duplication), with its device id. */
  onUplink(listener: (deviceId: string, message: Message) => void): () => void {
    this.uplinkListeners.add(listener);
    return () => this.uplinkListeners.delete(listener);
  }

  /**
   * Offers a firmware image to devices (all of them, or a share: a staged
   * rollout), serves the image to them, and tracks each one's progress.
   */
  rollout(options: RolloutOptions): Rollout {
    for (const id of options.devices) checkDeviceId(id);
    const rollout = this.newRollout(options);
    if (this.rollouts.has(rollout.id)) throw new HearthError("busy", `update id ${rollout.id} is already rolling out`);
    const at = Math.round(this.clock());
    this.rollouts.set(rollout.id, rollout);
    this.plannedAt.set(rollout.id, at);
    if (!this.sharesRollouts) return rollout.start();
    // Every instance of the tier serves it once its plan is kept; offered (by this instance, to every
    // selected device) only after that. The others offer it at the hellos they take.
    const plan = { id: rollout.id, image: options.image, devices: [...options.devices], share: options.share ?? 1, maxFailures: options.maxFailures ?? null, at };
    const kept = this.store.planRollout(plan).then(
      () => {
        this.plansKept.delete(rollout.id);
        rollout.start();
      },
      (error: unknown) => {
        this.rollouts.delete(rollout.id);
        // Its id was taken (a tool resuming its update, or a race): the plan in the store is the one served.
        void this.follow(rollout.id);
        throw error;
      },
    );
    kept.catch(() => undefined); // the caller hears it from planKept
    this.plansKept.set(rollout.id, kept);
    return rollout;
  }

  /**
   * Resolves once a rollout started here is kept in the store (at once for a store of one
   * instance): every other instance then loads it on the store's word, or at the first fetch for it
   * that reaches it. Rejects, and the rollout is dropped here, if the store refused it (a HearthError
   * "busy": its id is taken).
   */
  planKept(updateId: number): Promise<void> {
    return this.plansKept.get(updateId) ?? Promise.resolve();
  }

  /** A rollout another instance planned (or this one, before a restart): served here too, from where the tier stands. */
  private async follow(updateId: number): Promise<void> {
    if (this.rollouts.has(updateId) || this.following.has(updateId)) return;
    this.following.add(updateId);
    try {
      const plan = await this.store.rolloutPlan(updateId);
      if (plan === undefined || this.rollouts.has(updateId)) return;
      const rollout = this.newRollout({ id: plan.id, image: plan.image, devices: plan.devices, share: plan.share, ...(plan.maxFailures === null ? {} : { maxFailures: plan.maxFailures }) });
      rollout.resume(await this.store.rollout(updateId));
      // A finished one is not held: nothing is left to offer or serve.
      if (this.rollouts.has(updateId) || rollout.finished) return;
      this.rollouts.set(updateId, rollout);
      this.plannedAt.set(updateId, plan.at);
    } catch {
      // The store is away: loaded again at the next word of it (the store's, once it is back), or the next fetch for it.
    } finally {
      this.following.delete(updateId);
    }
  }

  /**
   * Of the rollouts selecting a device, the one planned last: only it is offered at the device's
   * hello, so an older rollout (one it missed while away) never takes it back to an older image.
   */
  private newestRolloutFor(deviceId: string): Rollout | undefined {
    let newest: Rollout | undefined;
    for (const rollout of this.rollouts.values()) {
      if (rollout.selects(deviceId) && (newest === undefined || (this.plannedAt.get(rollout.id) ?? 0) >= (this.plannedAt.get(newest.id) ?? 0))) newest = rollout;
    }
    return newest;
  }

  private newRollout(options: RolloutOptions): Rollout {
    return new Rollout(
      {
        request: (d, m, t) => this.request(d, m, t),
        send: (d, m) => this.send(d, { ...m, seq: this.nextSeq() } as Message),
        online: () => [...this.presence].map(([id, firmware]) => ({ id, firmware })),
      },
      options,
    );
  }

  /** Whether rollouts are kept in the store and served by every instance on it (a shared store; not an observer). */
  private get sharesRollouts(): boolean {
    return this.store.immediate === undefined && this.options.observer !== true;
  }

  /**
   * Sends a device its whole desired document at the document's version (a
   * change made in the store directly, as the HTTP API makes it, with the
   * version it expects). The device's ack is noted in the store; a device
   * away gets the document at its next hello. A device that holds a newer
   * version says so (stale, with its version): the document goes above it
   * once and is sent again, as `CloudDevice.set` does.
   */
  sendDesired(deviceId: string, model: AnyModel, doc: Desired): void {
    this.deliverDesired(deviceId, model, doc, true);
  }

  private deliverDesired(deviceId: string, model: AnyModel, doc: Desired, again: boolean): void {
    this.devices.get(deviceId)?.holdDesired(doc);
    // The document was checked when it was changed (the HTTP API checks a change before the store keeps it).
    const values = membersToWire(model.spec.properties, doc.values as Checked<Record<string, unknown>>);
    this.request(deviceId, { type: "set", seq: 0, version: doc.version, values }, 10_000)
      .then((reply) => {
        if (reply.type === "ack") return this.store.deviceHas(deviceId, doc.version);
        if (again && reply.type === "error" && reply.code === ErrorCode.stale && reply.current !== undefined && reply.current < MAX_SEQ) {
          const current = reply.current;
          // The store may be past the device already (a later change, sent meanwhile): that one goes as it is.
          return this.store
            .desired(deviceId)
            .then((now) => (now.version > current ? now : this.store.changeDesired(deviceId, {}, { atLeast: current + 1 })))
            .then((above) => this.deliverDesired(deviceId, model, above, false));
        }
        return undefined;
      })
      .catch(() => undefined); // no answer, or the store did not: the device gets the document at its next hello
  }

  /** Every device seen or asked for, with presence. */
  list(): readonly CloudDevice<ModelSpec>[] {
    return [...this.devices.values()];
  }

  /**
   * Sends a message (its seq is assigned here) and resolves with the device's
   * answer: an ack or error for a set, a result or error for an invoke. For
   * tools and tests that must send what the typed API would refuse.
   */
  request(deviceId: string, message: Message, timeoutMs: number): Promise<Message> {
    const seq = this.nextSeq();
    const sent = { ...message, seq } as Message;
    // An invoke is answered by a result carrying its id, or an error carrying its seq.
    const keys = sent.type === "invoke" ? [`${deviceId}/seq/${seq}`, `${deviceId}/id/${sent.id}`] : [`${deviceId}/seq/${seq}`];
    return new Promise((resolve, reject) => {
      const timer = setHostTimeout(() => {
        for (const k of keys) this.pending.delete(k);
        const timeout = new HearthError("timeout", `device ${deviceId} did not answer ${message.type} within ${timeoutMs} ms`);
        if (sent.type !== "invoke" || this.store.immediate !== undefined) return reject(timeout);
        // Its result may be kept though word of it never came (the instance that took it died before passing it on).
        this.store.answer(deviceId, sent.id).then(
          (result) => (result === undefined ? reject(timeout) : resolve({ type: "result", seq: 0, id: sent.id, result: wireMembers(result) })),
          () => reject(timeout),
        );
      }, timeoutMs);
      const entry: Pending = {
        resolve: (m) => {
          for (const k of keys) this.pending.delete(k);
          clearHostTimeout(timer);
          resolve(m);
        },
        reject,
        timer,
      };
      for (const k of keys) this.pending.set(k, entry);
      this.transport.publish(topics.down(deviceId), encodeMessage(sent));
    });
  }

  private useBlock(first: number): void {
    this.seq = first - 1;
    this.seqEnd = first + SEQ_BLOCK - 1;
  }

  private nextSeq(): number {
    // A used-up block goes round within itself: 2^20 requests outlast any answer's wait.
    if (this.seq >= this.seqEnd) this.seq = this.seqEnd - SEQ_BLOCK;
    return ++this.seq;
  }

  private send(deviceId: string, message: Message): void {
    if (this.options.observer === true && (message.type === "ack" || message.type === "error" || message.type === "time")) return;
    this.transport.publish(topics.down(deviceId), encodeMessage(message));
  }

  private receive(topic: string, payload: Uint8Array): void {
    this.stats.received++;
    const id = topics.deviceOf(topic);
    if (id === undefined) return;
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      this.stats.malformed++;
      // Answered as a device answers a bad frame (section 6): the sender learns, and can match it.
      const e = error instanceof HearthError ? error : new HearthError("malformed", String(error));
      this.send(id, { type: "error", seq: this.nextSeq(), ref: seqOf(payload), code: ErrorCode[e.code], member: null, detail: e.message });
      return;
    }
    switch (message.type) {
      case "ack":
      case "error":
        if (!this.answer(`${id}/seq/${message.ref}`, message)) this.forward(id, payload);
        return;
      case "time": {
        const received = Math.round(this.clock());
        return this.send(id, { type: "time", seq: this.nextSeq(), t1: message.t1, t2: received, t3: Math.round(this.clock()) });
      }
      case "offline":
        this.presence.delete(id);
        this.devices.get(id)?.receive(message);
        this.store.offline(id, Math.round(this.clock())).catch(() => undefined);
        return;
      case "otaFetch": {
        const rollout = this.rollouts.get(message.id);
        if (rollout !== undefined) rollout.fetch(id, message);
        // Planned by another instance, and its word missed (the store was away): loaded now; the device asks again.
        else if (this.sharesRollouts) void this.follow(message.id);
        return;
      }
      default:
        break;
    }
    if (message.type !== "hello" && !this.devices.has(id) && this.store.immediate === undefined && this.models.size > 0) {
      // It said hello to another instance (or to this one before a restart): its revision is in the store.
      return this.lookups.after(id, () => this.take(id, message, payload));
    }
    this.take(id, message, payload);
  }

  /**
   * hello, report, event, result, update status: checked first (a refusal is answered and kept
   * nowhere), then taken by the store, and acknowledged (taken or a repeat) once that is committed.
   */
  private take(id: string, message: Message, payload: Uint8Array): void {
    let uplink: Uplink;
    try {
      uplink = this.check(id, message);
    } catch (error) {
      const refusal = error instanceof HearthError ? error : new HearthError("malformed", String(error));
      this.send(id, { type: "error", seq: this.nextSeq(), ref: message.seq, code: ErrorCode[refusal.code], member: this.memberIdOf(id, message, refusal), detail: refusal.message });
      if (refusal.code === "no-session") return;
      this.stats.refused++;
      for (const listener of this.refusalListeners) listener(id, message, refusal);
      return;
    }
    // A result settles its caller here at once when this instance asked: the caller's answer need not
    // wait for the commit (a crash before it makes the device resend, which the store then takes).
    // Its ack, and the backend's listeners, still wait for the commit.
    if (message.type === "result" && this.store.immediate === undefined && this.answer(`${id}/id/${message.id}`, message)) this.answered.add(`${id}/${message.id}`);
    const settle = (outcome: Outcome): void => this.taken(id, message, payload, outcome, uplink);
    const immediate = this.store.immediate;
    if (immediate !== undefined) settle(immediate.accept([uplink])[0] as Outcome);
    else this.intake.add({ uplink, settle });
  }

  /** What the store made of an uplink, now committed: acknowledge it, and hand it on if it is new. */
  private taken(id: string, message: Message, payload: Uint8Array, taken: Outcome, uplink: Uplink): void {
    // A cloud that serves no model (an update tool: hearth ota) asks for no session: what it hears is
    // acknowledged and handed on though the store kept nothing of it (it has no hello to stamp it with).
    // An observer (hearth get, set, invoke beside the backend's cloud) judges no session either: the backend's cloud does.
    const outcome = taken === "no-session" && (this.models.size === 0 || this.options.observer === true) ? "taken" : taken;
    if (outcome === "no-session") {
      this.send(id, { type: "error", seq: this.nextSeq(), ref: message.seq, code: ErrorCode["no-session"], member: null, detail: `no session is held for ${id}: say hello` });
      return;
    }
    this.send(id, { type: "ack", seq: this.nextSeq(), ref: message.seq });
    if (outcome === "repeat") {
      this.stats.duplicates++;
      return;
    }
    for (const listener of this.uplinkListeners) listener(id, message);
    if (message.type === "otaStatus") {
      this.rollouts.get(message.id)?.status(id, message);
      return;
    }
    if (message.type === "hello") {
      this.presence.set(id, message.firmware);
      this.newestRolloutFor(id)?.hello(id, message.firmware);
    }
    if (message.type === "result") {
      if (!this.answer(`${id}/id/${message.id}`, message) && !this.answered.delete(`${id}/${message.id}`)) this.forward(id, payload);
      return;
    }
    const device = this.devices.get(id);
    if (device === undefined) {
      this.stats.unknownDevices++;
      return;
    }
    // A report's or event's members were decoded and checked once, by check(): the device takes them as they are.
    if (message.type !== "hello") return device.receive(message, uplink);
    // The desired document is the store's (another instance may have changed it): held before the hello is judged.
    const immediate = this.store.immediate;
    if (immediate !== undefined) {
      device.holdDesired(immediate.desired(id));
      device.receive(message);
      return;
    }
    this.store.desired(id).then(
      (doc) => {
        device.holdDesired(doc);
        device.receive(message);
      },
      () => device.receive(message),
    );
  }

  /**
   * The uplink as the store takes it, or throws why it must be refused before its ack: a hello
   * for a model (id and hash) this cloud does not serve; a report or event whose members its
   * device's model does not allow; anything but a hello from a device this cloud holds no model
   * for (no-session: it says hello, and sends it again).
   */
  private check(id: string, message: Message): Uplink {
    const base = { deviceId: id, seq: message.seq, at: Math.round(this.clock()) };
    if (message.type === "hello") {
      const hash = hex(message.modelHash);
      const hello: Uplink = { ...base, kind: "hello", model: message.model, modelHash: hash, firmware: message.firmware, bootCount: message.bootCount, desiredVersion: message.desiredVersion };
      // A cloud that serves no model at all (an update tool: hearth ota) reads no members and judges no hello.
      if (this.models.size === 0) return hello;
      const revisions = this.models.get(message.model) ?? [];
      const found = revisions.find((r) => r.hash === hash);
      if (found === undefined) {
        throw new HearthError(
          "unknown-model",
          revisions.length === 0 ? `this cloud serves no model ${message.model}` : `this cloud serves model ${message.model} with hash ${revisions.map((r) => r.hash).join(" or ")}, not ${hash}`,
        );
      }
      const known = this.devices.get(id);
      if (known === undefined || hex(modelHash(known.model)) !== found.hash) {
        // A new device, or one that runs another revision now: its members are read with that revision.
        this.devices.delete(id);
        this.device(id, found.model as unknown as Model<ModelSpec>);
      }
      return hello;
    }
    const device = this.devices.get(id);
    if (device === undefined && this.models.size > 0 && this.options.observer !== true) throw new HearthError("no-session", `this cloud holds no session for ${id}: say hello`);
    switch (message.type) {
      case "report": {
        const values = device === undefined ? {} : membersFromWire(device.model.spec.properties, message.values, "property", false);
        return { ...base, kind: "report", values: values as Record<string, StoredValue> };
      }
      case "event": {
        const found = device?.model.eventById(message.event);
        if (device !== undefined && found === undefined) throw new HearthError("unknown-message", `unknown event id ${message.event}`);
        const fields = found === undefined ? {} : membersFromWire(found[1].fields, message.fields, "field", true);
        return { ...base, kind: "event", name: found?.[0] ?? String(message.event), fields: fields as Record<string, StoredValue> };
      }
      case "result":
        return { ...base, kind: "result", commandId: message.id, result: Object.fromEntries(message.result) };
      case "otaStatus":
        return { ...base, kind: "otaStatus", updateId: message.id, phase: String(message.phase), offset: message.offset, detail: message.detail };
      default:
        throw new HearthError("unknown-message", `a ${message.type} is not an uplink the cloud takes`);
    }
  }

  /** Settles the request this answers, if this instance made it: true if it did. */
  private answer(key: string, message: Message): boolean {
    const pending = this.pending.get(key);
    if (pending === undefined) return false;
    pending.resolve(message);
    return true;
  }

  /** An answer to no request of this instance's: passed on to the others (one of them may have asked). */
  private forward(deviceId: string, frame: Uint8Array): void {
    if (decoded(frame)?.type === "result") this.stats.late++;
    this.stats.forwarded++;
    this.store.publishAnswer(deviceId, frame).catch(() => undefined);
  }

  private forwardedAnswer(deviceId: string, frame: Uint8Array): void {
    const m = decoded(frame);
    if (m?.type === "ack" || m?.type === "error") this.answer(`${deviceId}/seq/${m.ref}`, m);
    else if (m?.type === "result") this.answer(`${deviceId}/id/${m.id}`, m);
  }

  /**
   * Section 6: the member of read-only, wrong-type and out-of-range is the property (in a report) or
   * the field (in an event), by its id; null for every other refusal.
   */
  private memberIdOf(id: string, message: Message, refusal: HearthError): number | null {
    if (refusal.member === undefined || (refusal.code !== "read-only" && refusal.code !== "wrong-type" && refusal.code !== "out-of-range")) return null;
    const spec = this.devices.get(id)?.model.spec;
    const fields = message.type === "event" ? Object.values(spec?.events ?? {}).find((e) => e.id === message.event)?.fields : spec?.properties;
    return fields?.[refusal.member]?.id ?? null;
  }
}

function decoded(frame: Uint8Array): Message | undefined {
  try {
    return decodeMessage(frame);
  } catch {
    return undefined;
  }
}

/** A stored result (member ids as keys) as the wire's members again. */
function wireMembers(result: Readonly<Record<string, StoredValue>>): Map<number, StoredValue> {
  return new Map(Object.entries(result).map(([k, v]) => [Number(k), v]));
}
