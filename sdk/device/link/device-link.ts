import { ResetReason } from "../../../hal/reset-cause.js";
import { Priority, type Kernel, type Timer } from "../../../os/kernel.js";
import type { Log } from "../../../os/log.js";
import type { KvStore } from "../../../os/storage/kv-store.js";
import type { Device } from "../device.js";
import { ErrorCode, HearthError } from "../../thing/errors.js";
import type { Level, ModelSpec, PropName } from "../../thing/model.js";
import type { Checked } from "../../thing/validate.js";
import { decodeMessage, seqOf, encodeMessage, type Message, type WireMembers } from "../../protocol/envelope.js";
import { membersFromWire, membersToWire } from "../../protocol/members.js";
import { modelHash } from "../../protocol/model-hash.js";
import { Outbox } from "./outbox.js";
import { checkDeviceId, topics, type Transport } from "../../protocol/transport.js";
import { frozen } from "../../../hal/frozen.js";

export interface DeviceLinkOptions {
  deviceId: string;
  firmware: string;
  resetReason?: ResetReason;
  bootCount?: number;
  /** Flash for the outbound queue, the sequence reservation and the desired version. */
  kv?: KvStore;
  log?: Log;
  /** A full report this often, besides the deltas. Default 60 s. */
  fullReportEveryMs?: number;
  /** While offline, changed state is saved to flash at most this often. Default 60 s. */
  offlineSaveEveryMs?: number;
  /** Events kept unacknowledged; the lowest level goes first. Default 32. */
  eventCap?: number;
  /** Reports kept unacknowledged; the oldest goes first (a later full report carries the state). Default 64. */
  reportCap?: number;
  /** Time is synchronised this often. Default 1 h. */
  timeSyncEveryMs?: number;
  /** A message the cloud has not acknowledged this long is sent again (the cloud may have missed it). Default 20 s. */
  resendAfterMs?: number;
}

export type LinkState = "down" | "up";

export interface LinkStats {
  sent: number;
  /** Reports made (each once, however often it was sent again). */
  reports: number;
  received: number;
  malformed: number;
  refused: number;
  /** Errors the cloud sent about this device's messages (not answered: section 5). */
  refusedByCloud: number;
  duplicates: number;
  readonly dropped: number;
}

const LEVELS: readonly Level[] = frozen(["debug", "info", "warn", "error", "critical"]);
const DESIRED_KEY = "link/desired";
/** A time answer that took longer than this from its request is refused: its offset could be off by as much. */
const MAX_TIME_ROUND_TRIP_MS = 30_000;
const RECENT_COMMANDS = 64;

/**
 * The device side of the cloud link (sdk/protocol/PROTOCOL.md). On every connect:
 * hello, what the cloud has not acknowledged, any state changed while offline,
 * a full report, and a time sync. Reports are deltas, coalesced per turn of
 * the loop. Sets carry a desired-state version; invokes an id and a deadline,
 * and a repeated invoke gets the first answer. Frames from the transport are
 * handled on the kernel's loop, never in the transport's callback.
 */
export class DeviceLink<M extends ModelSpec> {
  state: LinkState = "down";
  readonly stats: LinkStats;
  readonly outbox: Outbox;
  /** The desired-state version this device holds. */
  desiredVersion = 0;
  private readonly dirty = new Set<PropName<M>>();
  private flushPosted = false;
  private timers: Timer[] = [];
  private lastOfflineSave = -Infinity;
  private unobserve: (() => void) | undefined;
  private readonly hash: Uint8Array;
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  /** Commands seen lately: running, or answered with this frame. */
  private readonly commands = new Map<number, Uint8Array | "running">();
  private clockOffset: number | undefined;
  private lastBadFrameLog = -Infinity;
  private lastCloudErrorLog = -Infinity;
  private helloSeq: number | undefined;
  /** The hello of this connection until the cloud acks it: sent again, same seq, as other unacknowledged frames are. */
  private hello: { frame: Uint8Array; sentAt: number } | undefined;
  /** The time request awaiting its answer: only an answer to it (its t1), in a plausible round trip, sets the clock. */
  private timeRequest: { t1: number } | undefined;
  private readonly reachedListeners = new Set<() => void>();
  private readonly handlers = new Map<Message["type"], (message: Message) => void>();

  constructor(
    private readonly device: Device<M>,
    private readonly kernel: Kernel,
    private readonly transport: Transport,
    private readonly options: DeviceLinkOptions,
  ) {
    checkDeviceId(options.deviceId);
    this.hash = modelHash(device.model);
    this.outbox = new Outbox({
      ...(options.kv === undefined ? {} : { kv: options.kv }),
      eventCap: options.eventCap ?? 32,
      ...(options.reportCap === undefined ? {} : { reportCap: options.reportCap }),
      onStorageError: (error) => options.log?.warn("link", `queue not saved: ${String(error)}`),
    });
    const outbox = this.outbox;
    // What the full queue dropped is the outbox's count, read through, never copied.
    this.stats = {
      refusedByCloud: 0,
      sent: 0,
      reports: 0,
      received: 0,
      malformed: 0,
      refused: 0,
      duplicates: 0,
      get dropped() {
        return outbox.dropped;
      },
    };
    const kv = options.kv;
    if (kv?.has(DESIRED_KEY)) this.desiredVersion = kv.getNumber(DESIRED_KEY);
  }

  start(): void {
    this.unobserve = this.device.observe({
      changed: (names) => this.markDirty(names),
      event: (name, fields) => {
        const spec = this.device.model.spec.events[name];
        if (spec === undefined) return;
        const seq = this.outbox.takeSeq();
        const message: Message = {
          type: "event",
          seq,
          event: spec.id,
          fields: membersToWire(spec.fields, fields),
          level: LEVELS.indexOf(spec.level),
        };
        const frame = encodeMessage(message);
        this.outbox.add("event", seq, frame, message.level);
        this.outbox.sent(seq, this.kernel.now());
        this.sendFrame(frame);
      },
    });
    this.timers = [
      this.kernel.every(this.options.fullReportEveryMs ?? 60_000, () => this.sendFullReport(), { task: "link" }),
      this.kernel.every(this.options.timeSyncEveryMs ?? 3_600_000, () => this.requestTime(), { task: "link" }),
      this.kernel.every(this.resendAfter / 2, () => this.resendStale(), { task: "link" }),
    ];
    this.transport.start({
      up: () => this.kernel.post(() => this.onUp(), Priority.High, "link"),
      down: () => this.kernel.post(() => this.setState("down"), Priority.High, "link"),
      message: (_topic, payload) => this.kernel.post(() => this.receive(payload), Priority.High, "link"),
    });
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    for (const t of this.timers) t.cancel();
    this.setState("down");
    await this.transport.stop();
  }

  /** Connection state changes, for firmware that shows it (a Wi-Fi icon). */
  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The cloud acknowledged this connection's hello: the device has reached it (an update may confirm). */
  onCloudReached(listener: () => void): () => void {
    this.reachedListeners.add(listener);
    return () => this.reachedListeners.delete(listener);
  }

  /** Takes the messages of one type the link itself does not handle (the update client's offers and chunks). */
  handle<T extends Message["type"]>(type: T, handler: (message: Extract<Message, { type: T }>) => void): void {
    this.handlers.set(type, handler as (message: Message) => void);
  }

  /** A sequence number for a message of one's own. */
  takeSeq(): number {
    return this.outbox.takeSeq();
  }

  /** Sends a request or reply that is not queued: when the link is down it is gone, and the sender asks again. */
  sendUnqueued(message: Message): void {
    this.sendNow(message);
  }

  /** Sends an update status the cloud must acknowledge: queued on flash and sent again until it is. */
  sendStatus(message: Extract<Message, { type: "otaStatus" }>): void {
    const frame = encodeMessage(message);
    this.outbox.add("status", message.seq, frame);
    this.outbox.sent(message.seq, this.kernel.now());
    this.sendFrame(frame);
  }

  /** Acknowledges a downlink message, or refuses it with the error's code and message. */
  answer(ref: number, error?: unknown): void {
    if (error === undefined) this.sendNow({ type: "ack", seq: this.outbox.takeSeq(), ref });
    else this.refuse(ref, error);
  }

  /** Wall-clock time (Unix ms) from the last time sync, or undefined before the first. */
  wallClock(): number | undefined {
    return this.clockOffset === undefined ? undefined : Math.round(this.kernel.now() + this.clockOffset);
  }

  private get resendAfter(): number {
    return this.options.resendAfterMs ?? 20_000;
  }

  /** Unacknowledged for a while though connected: the cloud may have been away from its subscription. */
  private resendStale(): void {
    if (this.state !== "up") return;
    const now = this.kernel.now();
    for (const frame of this.outbox.unacknowledged(now, now - this.resendAfter)) this.sendFrame(frame);
    // A lost hello (the broker restarted, the cloud subscribed after this connect) goes again: until
    // the cloud has it, it does not know the device is back (an update would stall, a trial could not confirm).
    if (this.hello !== undefined && now - this.hello.sentAt >= this.resendAfter) {
      this.hello.sentAt = now;
      this.sendFrame(this.hello.frame);
    }
  }

  private onUp(): void {
    this.transport.subscribe(topics.down(this.options.deviceId));
    this.setState("up");
    this.helloSeq = this.outbox.takeSeq();
    const hello = encodeMessage({
      type: "hello",
      seq: this.helloSeq,
      firmware: this.options.firmware,
      model: this.device.model.id,
      modelHash: this.hash,
      resetReason: ResetReason[this.options.resetReason ?? "powerOn"],
      bootCount: this.options.bootCount ?? 0,
      desiredVersion: this.desiredVersion,
    });
    this.hello = { frame: hello, sentAt: this.kernel.now() };
    this.sendFrame(hello);
    for (const frame of this.outbox.unacknowledged(this.kernel.now())) this.sendFrame(frame);
    if (this.outbox.offlineState.size > 0) {
      this.sendReport(new Map(this.outbox.offlineState));
      this.outbox.clearOffline();
    }
    this.sendFullReport();
    this.requestTime();
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
    if (this.dirty.size === 0) return;
    // The device holds only values it checked as they came in (Device.update): they are converted here, not checked again.
    const values: Record<string, unknown> = {};
    for (const name of this.dirty) values[name] = this.device.get(name);
    this.dirty.clear();
    const wire = membersToWire(this.device.model.spec.properties, values as Checked<Record<string, unknown>>);
    if (this.state === "up") {
      this.sendReport(wire);
      return;
    }
    // Offline: coalesce, and save now and then so a power cut keeps what the cloud has not seen.
    const now = this.kernel.now();
    const save = now - this.lastOfflineSave >= (this.options.offlineSaveEveryMs ?? 60_000);
    if (save) this.lastOfflineSave = now;
    this.outbox.noteOffline(wire, save);
  }

  private sendFullReport(): void {
    if (this.state !== "up") return;
    this.dirty.clear();
    this.sendReport(membersToWire(this.device.model.spec.properties, this.device.snapshot()));
  }

  private sendReport(values: WireMembers): void {
    this.stats.reports++;
    const seq = this.outbox.takeSeq();
    const frame = encodeMessage({ type: "report", seq, values });
    this.outbox.add("report", seq, frame);
    this.outbox.sent(seq, this.kernel.now());
    this.sendFrame(frame);
  }

  private requestTime(): void {
    if (this.state !== "up") return;
    const t1 = Math.round(this.kernel.now());
    this.timeRequest = { t1 };
    this.sendNow({ type: "time", seq: this.outbox.takeSeq(), t1 });
  }

  /** Replies and requests that are not queued: if the link is down they are gone, and the cloud asks again. */
  private sendNow(message: Message): void {
    this.sendFrame(encodeMessage(message));
  }

  private sendFrame(frame: Uint8Array): void {
    if (this.state !== "up") return;
    this.stats.sent++;
    this.transport.publish(topics.up(this.options.deviceId), frame);
  }

  private receive(payload: Uint8Array): void {
    this.stats.received++;
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      this.stats.malformed++;
      // One log record per 10 s at most: a flood of garbage must not wear out the flash log.
      if (this.kernel.now() - this.lastBadFrameLog >= 10_000) {
        this.lastBadFrameLog = this.kernel.now();
        this.options.log?.warn("link", `bad frame: ${(error as Error).message} (${this.stats.malformed} so far)`);
      }
      // The answer names the frame's seq whenever it can be read, so the asking side can match it (section 6).
      this.refuse(seqOf(payload), error);
      return;
    }
    switch (message.type) {
      case "ack":
        if (message.ref === this.helloSeq) {
          this.helloSeq = undefined;
          this.hello = undefined;
          for (const listener of this.reachedListeners) listener();
        }
        return this.outbox.acked(message.ref);
      case "set":
        return this.onSet(message);
      case "invoke":
        return this.onInvoke(message);
      case "time":
        return this.onTime(message);
      case "error":
        // The cloud refused something this device sent: errors are not answered (section 5), or two
        // sides could answer each other forever. Counted, logged at most once per 10 s, and final:
        // the refused message would never be accepted, so it is kept no longer (section 6).
        if (message.code === ErrorCode["no-session"]) {
          // The cloud lost this device's session (it restarted): hello again, and send again what it has not acked.
          if (this.state === "up" && this.hello === undefined) this.onUp();
          return;
        }
        this.stats.refusedByCloud++;
        this.outbox.acked(message.ref);
        if (message.ref === this.helloSeq) this.hello = undefined;
        if (this.kernel.now() - this.lastCloudErrorLog >= 10_000) {
          this.lastCloudErrorLog = this.kernel.now();
          this.options.log?.warn("link", `the cloud refused seq ${message.ref}: error ${message.code} ${message.detail}`);
        }
        return;
      case "otaOffer":
      case "otaChunk":
        if (this.handlers.has(message.type)) break;
        // A device that takes no updates (section 5a): it has no idle slot, so no offer fits; chunks it
        // did not ask for are ignored.
        if (message.type === "otaOffer") this.refuse(message.seq, new HearthError("out-of-range", "this device has no idle slot: it takes no updates over the air"));
        return;
      default:
        break;
    }
    const handler = this.handlers.get(message.type);
    if (handler !== undefined) return handler(message);
    this.refuse(message.seq, new HearthError("unknown-message", `a device does not take ${message.type} messages`));
  }

  private onSet(message: Extract<Message, { type: "set" }>): void {
    if (message.version <= this.desiredVersion) {
      this.stats.refused++;
      this.sendNow({
        type: "error",
        seq: this.outbox.takeSeq(),
        ref: message.seq,
        code: ErrorCode.stale,
        member: null,
        detail: `desired version ${message.version} is not newer than ${this.desiredVersion}`,
        current: this.desiredVersion,
      });
      return;
    }
    try {
      this.device.writeChecked(membersFromWire(this.device.model.spec.properties, message.values, "property", false));
    } catch (error) {
      this.refuse(message.seq, error, (name) => this.device.model.spec.properties[name]?.id);
      return;
    }
    this.desiredVersion = message.version;
    try {
      this.options.kv?.setNumber(DESIRED_KEY, message.version);
    } catch (error) {
      this.options.log?.warn("link", `desired version not saved: ${String(error)}`);
    }
    this.sendNow({ type: "ack", seq: this.outbox.takeSeq(), ref: message.seq });
  }

  private onInvoke(message: Extract<Message, { type: "invoke" }>): void {
    const seen = this.commands.get(message.id);
    if (seen !== undefined) {
      // QoS 1 delivered it again: the command ran (or runs) once; the answer is the first one.
      this.stats.duplicates++;
      if (seen !== "running") this.sendFrame(seen);
      return;
    }
    // Every answer to a command, a refusal too, is its answer for good: a repeat gets it, and never runs (section 4).
    const answer = (error: unknown, memberId?: (name: string) => number | undefined): void => this.remember(message.id, this.refuse(message.seq, error, memberId));
    const found = this.device.model.actionById(message.action);
    if (found === undefined) {
      // Section 6: the member of unknown-action is the action id.
      answer(new HearthError("unknown-action", `unknown action id ${message.action}`, String(message.action)), () => message.action);
      return;
    }
    const [name, spec] = found;
    // Section 6: bad-param's member is the param; one the action does not have is named by the id it came with.
    const memberId = (member: string): number | undefined => (member === name ? spec.id : (spec.params[member]?.id ?? (/^\d+$/.test(member) ? Number(member) : undefined)));
    const now = this.wallClock();
    if (message.deadline !== 0 && now !== undefined && now > message.deadline) {
      answer(new HearthError("deadline-passed", `command ${message.id} expired ${now - message.deadline} ms ago; not run`, name), memberId);
      return;
    }
    let params: Checked<Record<string, unknown>>;
    try {
      params = membersFromWire(spec.params, message.params, "param", true);
    } catch (error) {
      answer(error, memberId);
      return;
    }
    this.remember(message.id, "running");
    this.device.callChecked(name, params).then(
      (result) => {
        const seq = this.outbox.takeSeq();
        const frame = encodeMessage({ type: "result", seq, id: message.id, result: membersToWire(spec.result, result) });
        this.remember(message.id, frame);
        this.outbox.add("result", seq, frame);
        this.outbox.sent(seq, this.kernel.now());
        this.sendFrame(frame);
      },
      // Section 6: a refusal from the handler (busy, failed) names the action when it names nothing else.
      (error: unknown) => answer(error instanceof HearthError && error.member === undefined ? new HearthError(error.code, error.message, name) : error, memberId),
    );
  }

  private onTime(message: Extract<Message, { type: "time" }>): void {
    if (message.t2 === undefined || message.t3 === undefined) return;
    const t4 = this.kernel.now();
    // Only the answer to the request outstanding (its t1), within a plausible round trip (section 4).
    const asked = this.timeRequest;
    if (asked === undefined || message.t1 !== asked.t1 || t4 < asked.t1 || t4 - asked.t1 > MAX_TIME_ROUND_TRIP_MS || message.t3 < message.t2) {
      this.stats.refused++;
      return;
    }
    this.timeRequest = undefined;
    // NTP: the cloud's clock minus ours, with the path delay taken as symmetric.
    this.clockOffset = (message.t2 - message.t1 + (message.t3 - t4)) / 2;
  }

  private remember(id: number, answer: Uint8Array | "running"): void {
    this.commands.set(id, answer);
    if (this.commands.size > RECENT_COMMANDS) this.commands.delete(this.commands.keys().next().value as number);
  }

  /** Answers `ref` with an error; returns the frame sent (a command keeps it as its answer). */
  private refuse(ref: number, error: unknown, memberId: (name: string) => number | undefined = () => undefined): Uint8Array {
    this.stats.refused++;
    const e = error instanceof HearthError ? error : new HearthError("failed", String(error));
    const member = e.member === undefined ? null : (memberId(e.member) ?? null);
    const frame = encodeMessage({ type: "error", seq: this.outbox.takeSeq(), ref, code: ErrorCode[e.code], member, detail: e.message });
    this.sendFrame(frame);
    return frame;
  }
}
