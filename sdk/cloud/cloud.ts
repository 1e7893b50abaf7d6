import { HearthError } from "../errors.js";
import type { AnyModel, Model, ModelSpec } from "../model.js";
import { decodeMessage, encodeMessage, type Message } from "../link/envelope.js";
import { checkDeviceId, topics, type Transport } from "../link/transport.js";
import { CloudDevice } from "./cloud-device.js";

export interface CloudStats {
  received: number;
  malformed: number;
  unknownDevices: number;
}

interface Pending {
  resolve(message: Message): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The cloud-side counterpart of the device link, for backends, the console
 * and tests. It speaks the same protocol over any Transport: devices appear
 * when they say hello (for a model it knows) or when asked for by id.
 */
export class Cloud {
  readonly stats: CloudStats = { received: 0, malformed: 0, unknownDevices: 0 };
  private readonly devices = new Map<string, CloudDevice<ModelSpec>>();
  private readonly pending = new Map<number, Pending>();
  private readonly models: Map<string, AnyModel>;
  private seq = 0;
  private up = false;
  private readonly waitingForUp: (() => void)[] = [];

  constructor(
    private readonly transport: Transport,
    models: readonly AnyModel[] = [],
  ) {
    this.models = new Map(models.map((m) => [m.id, m]));
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
    for (const [seq, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new HearthError("offline", "cloud stopped"));
      this.pending.delete(seq);
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
    const created = new CloudDevice(id, model, (d, m, t) => this.request(d, m, t));
    this.devices.set(id, created as unknown as CloudDevice<ModelSpec>);
    return created;
  }

  /** Every device seen or asked for, with presence. */
  list(): readonly CloudDevice<ModelSpec>[] {
    return [...this.devices.values()];
  }

  /**
   * Sends a raw message (its seq is assigned here) and resolves with the
   * device's ack, result or error. For tools and tests that must send what
   * the typed API would refuse.
   */
  request(deviceId: string, message: Message, timeoutMs: number): Promise<Message> {
    const seq = this.nextSeq();
    const frame = encodeMessage({ ...message, seq });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new HearthError("timeout", `device ${deviceId} did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      this.transport.publish(topics.down(deviceId), frame);
    });
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 0x100000000;
    return this.seq;
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
    if (message.type === "ack" || message.type === "error" || message.type === "result") {
      const ref = message.type === "result" ? message.call : message.ref;
      const p = this.pending.get(ref);
      if (p !== undefined) {
        this.pending.delete(ref);
        clearTimeout(p.timer);
        p.resolve(message);
      }
      return;
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
}
