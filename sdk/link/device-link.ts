import { Priority, ResetReason, type Kernel, type Timer } from "../../os/index.js";
import type { Device } from "../device.js";
import { ErrorCode, HearthError } from "../errors.js";
import type { ModelSpec, PropName } from "../model.js";
import { decodeMessage, encodeMessage, type Message } from "./envelope.js";
import { membersFromWire, membersToWire } from "./members.js";
import { modelHash } from "./model-hash.js";
import { checkDeviceId, topics, type Transport } from "./transport.js";

export interface DeviceLinkOptions {
  deviceId: string;
  firmware: string;
  resetReason?: ResetReason;
  /** A full report this often, besides the deltas. Default 60 s. */
  fullReportEveryMs?: number;
  /** Events and results kept while offline, oldest dropped first. Default 32. */
  offlineQueue?: number;
}

export type LinkState = "down" | "up";

export interface LinkStats {
  sent: number;
  received: number;
  malformed: number;
  refused: number;
  dropped: number;
}

/**
 * The device side of the cloud link: says hello on every connect, reports
 * property changes (coalesced per turn of the event loop) and a full report
 * periodically, applies checked writes, runs actions, and sends events.
 * Frames from the transport are handled on the kernel's loop, never in the
 * transport's callback.
 */
export class DeviceLink<M extends ModelSpec> {
  state: LinkState = "down";
  readonly stats: LinkStats = { sent: 0, received: 0, malformed: 0, refused: 0, dropped: 0 };
  private seq = 0;
  private readonly dirty = new Set<PropName<M>>();
  private flushPosted = false;
  private readonly pending: Message[] = [];
  private fullReport: Timer | undefined;
  private unobserve: (() => void) | undefined;
  private readonly hash: Uint8Array;
  private readonly stateListeners = new Set<(state: LinkState) => void>();

  constructor(
    private readonly device: Device<M>,
    private readonly kernel: Kernel,
    private readonly transport: Transport,
    private readonly options: DeviceLinkOptions,
  ) {
    checkDeviceId(options.deviceId);
    this.hash = modelHash(device.model);
  }

  start(): void {
    this.unobserve = this.device.observe({
      changed: (names) => this.markDirty(names),
      event: (name, fields) => {
        const spec = this.device.model.spec.events[name];
        if (spec === undefined) return;
        const wire = membersToWire(spec.fields, fields as Record<string, unknown>, "field", true);
        this.send({ type: "event", seq: this.nextSeq(), event: spec.id, fields: wire }, true);
      },
    });
    this.fullReport = this.kernel.every(this.options.fullReportEveryMs ?? 60_000, () => this.sendFullReport(), { task: "link" });
    this.transport.start({
      up: () => this.kernel.post(() => this.onUp(), Priority.High, "link"),
      down: () => this.kernel.post(() => this.setState("down"), Priority.High, "link"),
      message: (_topic, payload) => this.kernel.post(() => this.receive(payload), Priority.High, "link"),
    });
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    this.fullReport?.cancel();
    this.setState("down");
    await this.transport.stop();
  }

  /** Connection state changes, for firmware that shows it (a Wi-Fi icon). */
  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private onUp(): void {
    this.transport.subscribe(topics.down(this.options.deviceId));
    this.setState("up");
    this.send(
      {
        type: "hello",
        seq: this.nextSeq(),
        firmware: this.options.firmware,
        model: this.device.model.id,
        modelHash: this.hash,
        resetReason: ResetReason[this.options.resetReason ?? "powerOn"],
      },
      false,
    );
    this.sendFullReport();
    for (const message of this.pending.splice(0)) this.send(message, true);
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private markDirty(names: readonly PropName<M>[]): void {
    for (const name of names) this.dirty.add(name);
    if (this.flushPosted) return;
    this.flushPosted = true;
    this.kernel.post(() => this.flush(), Priority.Low, "link");
  }

  private flush(): void {
    this.flushPosted = false;
    if (this.state !== "up" || this.dirty.size === 0) return;
    const values: Record<string, unknown> = {};
    for (const name of this.dirty) values[name] = this.device.get(name);
    this.dirty.clear();
    this.sendReport(values);
  }

  private sendFullReport(): void {
    if (this.state !== "up") return;
    this.dirty.clear();
    this.sendReport(this.device.snapshot() as Record<string, unknown>);
  }

  private sendReport(values: Record<string, unknown>): void {
    const wire = membersToWire(this.device.model.spec.properties, values, "property", false);
    this.send({ type: "report", seq: this.nextSeq(), values: wire }, false);
  }

  /** Sends now if up; otherwise keeps `message` for later when `keep`, else drops it (state is re-reported on connect). */
  private send(message: Message, keep: boolean): void {
    if (this.state !== "up") {
      if (!keep) return;
      this.pending.push(message);
      const cap = this.options.offlineQueue ?? 32;
      while (this.pending.length > cap) {
        this.pending.shift();
        this.stats.dropped++;
      }
      return;
    }
    this.stats.sent++;
    this.transport.publish(topics.up(this.options.deviceId), encodeMessage(message));
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 0x100000000;
    return this.seq;
  }

  private receive(payload: Uint8Array): void {
    this.stats.received++;
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      this.stats.malformed++;
      this.refuse(0, error);
      return;
    }
    switch (message.type) {
      case "set":
        return this.onSet(message.seq, message.values);
      case "invoke":
        return this.onInvoke(message);
      default:
        this.refuse(message.seq, new HearthError("unknown-message", `a device does not take ${message.type} messages`));
    }
  }

  private onSet(seq: number, wire: Map<number, number | boolean | string>): void {
    try {
      const values = membersFromWire(this.device.model.spec.properties, wire, "property", false);
      this.device.remoteWrite(values);
    } catch (error) {
      this.refuse(seq, error, (name) => this.device.model.spec.properties[name]?.id);
      return;
    }
    this.send({ type: "ack", seq: this.nextSeq(), ref: seq }, true);
  }

  private onInvoke(message: Extract<Message, { type: "invoke" }>): void {
    const found = this.device.model.actionById(message.action);
    if (found === undefined) {
      this.refuse(message.seq, new HearthError("unknown-action", `unknown action id ${message.action}`), () => message.action);
      return;
    }
    const [name, spec] = found;
    const memberId = (member: string): number | undefined => (member === name ? spec.id : spec.params[member]?.id);
    let params: Record<string, unknown>;
    try {
      params = membersFromWire(spec.params, message.params, "param", true);
    } catch (error) {
      this.refuse(message.seq, error, memberId);
      return;
    }
    this.device.remoteCall(name, params).then(
      (result) => {
        const wire = membersToWire(spec.result, result, "result field", true);
        this.send({ type: "result", seq: this.nextSeq(), call: message.seq, result: wire }, true);
      },
      (error: unknown) => this.refuse(message.seq, error, memberId),
    );
  }

  private refuse(ref: number, error: unknown, memberId: (name: string) => number | undefined = () => undefined): void {
    this.stats.refused++;
    const e = error instanceof HearthError ? error : new HearthError("failed", String(error));
    const member = e.member === undefined ? null : (memberId(e.member) ?? null);
    this.send({ type: "error", seq: this.nextSeq(), ref, code: ErrorCode[e.code], member, detail: e.message }, true);
  }
}
