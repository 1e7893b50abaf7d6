import { clearHostTimeout, setHostTimeout, type TimerHandle } from "./host-timers.js";
import { ErrorCode, HearthError } from "../thing/errors.js";
import type { AnyModel, Model, ModelSpec } from "../thing/model.js";
import { decodeMessage, encodeMessage, seqOf, type Message } from "../protocol/envelope.js";
import { bytesToHex as hex } from "@noble/hashes/utils.js";
import { modelHash } from "../protocol/model-hash.js";
import { checkDeviceId, topics, type Transport } from "../protocol/transport.js";
import { CloudDevice } from "./cloud-device.js";
import { Rollout, type RolloutOptions } from "./rollout.js";

export interface CloudStats {
  received: number;
  malformed: number;
  /** Uplinks refused before their ack: an unknown model or revision, a member the model does not allow. */
  refused: number;
  duplicates: number;
  unknownDevices: number;
  /** Answers that came after their caller had timed out. */
  late: number;
}

interface Pending {
  resolve(message: Message): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

/**
 * Sequence numbers of one device's uplink seen lately: repeats are dropped.
 * A device resends only what it still holds unacknowledged (at most 16
 * reports, 32 events, its results and update statuses), so 1024 is ample;
 * the ring costs nothing until used, and a backend with many devices pays
 * for each one's recent traffic only.
 */
class SeenWindow {
  private readonly seen = new Set<number>();
  private readonly ring: number[] = [];
  private next = 0;
  constructor(private readonly size = 1024) {}
  has(seq: number): boolean {
    return this.seen.has(seq);
  }
  /** True the first time `seq` is offered. */
  first(seq: number): boolean {
    if (this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (this.ring.length < this.size) {
      this.ring.push(seq);
    } else {
      this.seen.delete(this.ring[this.next] as number);
      this.ring[this.next] = seq;
      this.next = (this.next + 1) % this.size;
    }
    return true;
  }
}

/**
 * The cloud-side counterpart of the device link, for backends, the console
 * and tests. It speaks the same protocol over any Transport: it acknowledges
 * every report, event and result (so the device stops resending it) and hands
 * each to the backend exactly once; answers time requests; keeps each
 * device's desired state with its version and sends it again when a device
 * says hello with an older one.
 */
export class Cloud {
  readonly stats: CloudStats = { received: 0, malformed: 0, refused: 0, duplicates: 0, unknownDevices: 0, late: 0 };
  private readonly devices = new Map<string, CloudDevice<ModelSpec>>();
  private readonly windows = new Map<string, SeenWindow>();
  /** Each device's session: its boot count at hello, and the highest seq seen in it (section 5). */
  private readonly sessions = new Map<string, { bootCount: number; maxSeq: number }>();
  private readonly pending = new Map<string, Pending>();
  /** The models this cloud serves: every revision of each id, by its model hash. */
  private readonly models = new Map<string, { model: AnyModel; hash: string }[]>();
  private readonly refusalListeners = new Set<(deviceId: string, message: Message, error: HearthError) => void>();
  private seq = 0;
  private nextCommand = Math.floor(Math.random() * 0x7fffffff);
  private up = false;
  private readonly waitingForUp: (() => void)[] = [];
  private readonly uplinkListeners = new Set<(deviceId: string, message: Message) => void>();
  private readonly rollouts = new Map<number, Rollout>();
  /** Devices online now, with the firmware each said hello with. */
  private readonly presence = new Map<string, string>();

  /**
   * `clock` is the cloud's wall clock (Unix ms) for time sync and command
   * deadlines: Date.now by default; a simulation that runs faster than real
   * time passes its own, so device and cloud agree on what time it is.
   */
  constructor(
    private readonly transport: Transport,
    models: readonly AnyModel[] = [],
    private readonly clock: () => number = Date.now,
    /**
     * A tool beside the backend's own cloud (hearth get, set, invoke): it sends its commands and
     * hears every uplink, but answers none (no ack, error or time): the backend's cloud does.
     */
    private readonly options: { observer?: boolean } = {},
  ) {
    for (const model of models) this.serve(model);
  }

  /** Whether the cloud's own session with the broker is up (it reconnects by itself when not). */
  get connected(): boolean {
    return this.up;
  }

  /** Connects; resolves once the session is up and subscribed. */
  start(): Promise<void> {
    this.transport.start({
      up: () => {
        this.transport.subscribe(topics.allUp);
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
    const created = new CloudDevice(id, model, {
      request: (d, m, t) => this.request(d, m, t),
      commandId: () => (this.nextCommand = (this.nextCommand + 1) % 0x100000000),
      now: () => Math.round(this.clock()),
    });
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
    const rollout = new Rollout(
      {
        request: (d, m, t) => this.request(d, m, t),
        send: (d, m) => this.send(d, { ...m, seq: this.nextSeq() } as Message),
        online: () => [...this.presence].map(([id, firmware]) => ({ id, firmware })),
      },
      options,
    );
    if (this.rollouts.has(rollout.id)) throw new HearthError("busy", `update id ${rollout.id} is already rolling out`);
    this.rollouts.set(rollout.id, rollout);
    return rollout.start();
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
        reject(new HearthError("timeout", `device ${deviceId} did not answer ${message.type} within ${timeoutMs} ms`));
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

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 0x100000000;
    return this.seq;
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
        return this.answer(`${id}/seq/${message.ref}`, message);
      case "time": {
        const received = Math.round(this.clock());
        return this.send(id, { type: "time", seq: this.nextSeq(), t1: message.t1, t2: received, t3: Math.round(this.clock()) });
      }
      case "offline":
        this.presence.delete(id);
        this.devices.get(id)?.receive(message);
        return;
      case "otaFetch":
        this.rollouts.get(message.id)?.fetch(id, message);
        return;
      default:
        break;
    }
    // hello, report, event, result, update status: checked first (a refusal is answered and kept
    // nowhere), then acknowledged always (the device stops resending), and delivered once.
    let window = this.windows.get(id);
    if (window === undefined) this.windows.set(id, (window = new SeenWindow()));
    const session = this.sessions.get(id);
    if (message.type === "hello" && session !== undefined && (message.bootCount < session.bootCount || (!window.has(message.seq) && message.seq <= session.maxSeq))) {
      // Its seqs or its boot count went back (its flash was erased, or it is another board under the
      // same id): a new session, whose seqs are not repeats of the old one's.
      this.windows.set(id, (window = new SeenWindow()));
      this.sessions.delete(id);
    }
    if (window.has(message.seq)) {
      this.stats.duplicates++;
      this.send(id, { type: "ack", seq: this.nextSeq(), ref: message.seq });
      return;
    }
    const refusal = this.check(id, message);
    if (refusal !== undefined) {
      if (refusal.code === "no-session") {
        this.send(id, { type: "error", seq: this.nextSeq(), ref: message.seq, code: ErrorCode["no-session"], member: null, detail: refusal.message });
        return;
      }
      this.stats.refused++;
      this.send(id, { type: "error", seq: this.nextSeq(), ref: message.seq, code: ErrorCode[refusal.code], member: this.memberIdOf(id, message, refusal), detail: refusal.message });
      for (const listener of this.refusalListeners) listener(id, message, refusal);
      return;
    }
    window.first(message.seq);
    const current = this.sessions.get(id);
    if (message.type === "hello") this.sessions.set(id, { bootCount: message.bootCount, maxSeq: Math.max(message.seq, current?.maxSeq ?? 0) });
    else if (current !== undefined) current.maxSeq = Math.max(current.maxSeq, message.seq);
    this.send(id, { type: "ack", seq: this.nextSeq(), ref: message.seq });
    for (const listener of this.uplinkListeners) listener(id, message);
    if (message.type === "otaStatus") {
      this.rollouts.get(message.id)?.status(id, message);
      return;
    }
    if (message.type === "hello") {
      this.presence.set(id, message.firmware);
      for (const rollout of this.rollouts.values()) rollout.hello(id, message.firmware);
    }
    if (message.type === "result") {
      if (!this.pending.has(`${id}/id/${message.id}`)) this.stats.late++;
      return this.answer(`${id}/id/${message.id}`, message);
    }
    const device = this.devices.get(id);
    if (device === undefined) {
      this.stats.unknownDevices++;
      return;
    }
    if (message.type !== "report" && message.type !== "event") device.receive(message);
  }

  /**
   * Why an uplink must be refused before its ack, or undefined: a hello for a model (id and hash)
   * this cloud does not serve; a report or event whose members its device's model does not allow.
   * A hello binds the device to the revision it names; a valid report or event is applied here.
   */
  private check(id: string, message: Message): HearthError | undefined {
    // A cloud that serves no model at all (an update tool: hearth ota) reads no members and judges no hello.
    if (message.type === "hello" && this.models.size > 0) {
      const revisions = this.models.get(message.model) ?? [];
      const found = revisions.find((r) => r.hash === hex(message.modelHash));
      if (found === undefined) {
        return new HearthError(
          "unknown-model",
          revisions.length === 0
            ? `this cloud serves no model ${message.model}`
            : `this cloud serves model ${message.model} with hash ${revisions.map((r) => r.hash).join(" or ")}, not ${hex(message.modelHash)}`,
        );
      }
      const known = this.devices.get(id);
      if (known === undefined || hex(modelHash(known.model)) !== found.hash) {
        // A new device, or one that runs another revision now: its members are read with that revision.
        this.devices.delete(id);
        this.device(id, found.model as unknown as Model<ModelSpec>);
      }
      return undefined;
    }
    if (message.type !== "report" && message.type !== "event" && message.type !== "result" && message.type !== "otaStatus") return undefined;
    // No hello from this device in this cloud's life (the cloud restarted while the device stayed
    // connected): ask for one (no-session); the device says hello and sends the message again.
    if (this.models.size > 0 && !this.sessions.has(id) && this.options.observer !== true) return new HearthError("no-session", `this cloud holds no session for ${id}: say hello`);
    if (message.type !== "report" && message.type !== "event") return undefined;
    const device = this.devices.get(id);
    if (device === undefined) return undefined;
    try {
      device.receive(message);
      return undefined;
    } catch (error) {
      return error instanceof HearthError ? error : new HearthError("malformed", String(error));
    }
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

    private answer(key: string, message: Message): void {
    this.pending.get(key)?.resolve(message);
  }
}
