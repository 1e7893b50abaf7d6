import { clearHostTimeout, setHostTimeout, type TimerHandle } from "./host-timers.js";
import { HearthError } from "../thing/errors.js";
import type { AnyModel, Model, ModelSpec } from "../thing/model.js";
import { decodeMessage, encodeMessage, type Message } from "../link/envelope.js";
import { checkDeviceId, topics, type Transport } from "../link/transport.js";
import { CloudDevice } from "./cloud-device.js";
import { Rollout, type RolloutOptions } from "./rollout.js";

export interface CloudStats {
  received: number;
  malformed: number;
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
  readonly stats: CloudStats = { received: 0, malformed: 0, duplicates: 0, unknownDevices: 0, late: 0 };
  private readonly devices = new Map<string, CloudDevice<ModelSpec>>();
  private readonly windows = new Map<string, SeenWindow>();
  private readonly pending = new Map<string, Pending>();
  private readonly models: Map<string, AnyModel>;
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
  ) {
    this.models = new Map(models.map((m) => [m.id, m]));
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

  /** The device with this id, typed by its model. */
  device<M extends ModelSpec>(id: string, model: Model<M>): CloudDevice<M> {
    checkDeviceId(id);
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
    this.transport.publish(topics.down(deviceId), encodeMessage(message));
  }

  private receive(topic: string, payload: Uint8Array): void {
    this.stats.received++;
    const id = topics.deviceOf(topic);
    if (id === undefined) return;
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch {
      this.stats.malformed++;
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
    // hello, report, event, result: acknowledge always (the device stops resending), deliver once.
    this.send(id, { type: "ack", seq: this.nextSeq(), ref: message.seq });
    let window = this.windows.get(id);
    if (window === undefined) this.windows.set(id, (window = new SeenWindow()));
    if (!window.first(message.seq)) {
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
      for (const rollout of this.rollouts.values()) rollout.hello(id, message.firmware);
    }
    if (message.type === "result") {
      if (!this.pending.has(`${id}/id/${message.id}`)) this.stats.late++;
      return this.answer(`${id}/id/${message.id}`, message);
    }
    let device = this.devices.get(id);
    if (device === undefined && message.type === "hello") {
      const model = this.models.get(message.model);
      if (model !== undefined) device = this.device(id, model as Model<ModelSpec>);
    }
    if (device === undefined) {
      this.stats.unknownDevices++;
      return;
    }
    try {
      device.receive(message);
    } catch {
      this.stats.malformed++;
    }
  }

  private answer(key: string, message: Message): void {
    this.pending.get(key)?.resolve(message);
  }
}
