import { clearHostTimeout, setHostTimeout } from "./host-timers.js";
import { ErrorCode, errorCodeName, HearthError } from "../thing/errors.js";
import { writable, type ActionName, type Model, type ModelSpec, type ParamsOf, type Props, type ResultOf, type Writable, type EventName, type FieldsOf } from "../thing/model.js";
import { checkValues, type Checked } from "../thing/validate.js";
import { MAX_SEQ, type Message, type WireMembers } from "../protocol/envelope.js";
import { membersFromWire, membersToWire } from "../protocol/members.js";
import type { Desired, StoredValue, Uplink } from "./store/port.js";

export interface RequestOptions {
  /** How long to wait for the device's answer, real ms. Default 10 s. */
  timeoutMs?: number;
  /** Invoke: how long after now (on the cloud's clock) the device may still start the command. Default: the timeout. */
  deadlineMs?: number;
}

/** What a device handle needs from its cloud. */
export interface CloudPort {
  /** Sends a downlink message and resolves with the device's answer to it. */
  request(deviceId: string, message: Message, timeoutMs: number): Promise<Message>;
  /** A command id no other pending command of this cloud has. */
  commandId(): number;
  /** The cloud's wall clock, Unix ms. */
  now(): number;
  /** Merges values into the stored desired document under its next version (at least `atLeast`). */
  keepDesired(deviceId: string, values: Readonly<Record<string, StoredValue>>, atLeast: number): Promise<Desired>;
  /** The device acknowledged desired version `version`. */
  deviceHas(deviceId: string, version: number): void;
}

type Listener<T> = (value: T) => void;

/**
 * One device as a backend sees it, typed by its model: presence, the last
 * reported state, typed set and invoke, and streams of reports and events.
 */
export class CloudDevice<M extends ModelSpec> {
  /** Whether the device is online: since its hello (or any report), until the broker's word that its connection died (its will). */
  online = false;
  firmware: string | undefined;
  resetReason: number | undefined;
  /** Every property as last reported. Empty until the first report. */
  readonly reported: Partial<Props<M>> = {};
  reports = 0;
  bootCount: number | undefined;
  /** The desired state the backend asked for, with its version (the device holds `deviceDesiredVersion`). */
  readonly desired: Checked<Partial<Writable<M>>> = {} as Checked<Partial<Writable<M>>>;
  desiredVersion = 0;
  deviceDesiredVersion = 0;
  private readonly reportListeners = new Set<Listener<Partial<Props<M>>>>();
  /** Sets waiting for their version to reach the device by another way (a reconcile after its hello). */
  private readonly versionWaiters = new Set<{ version: number; reached: () => void }>();
  private readonly eventListeners = new Set<Listener<{ name: EventName<M>; fields: Record<string, unknown> }>>();
  private readonly presenceListeners = new Set<Listener<boolean>>();

  constructor(
    readonly id: string,
    readonly model: Model<M>,
    private readonly cloud: CloudPort,
  ) {}

  /**
   * Sets desired state: the values join this device's desired document under
   * a new version, kept even if the device is away (it gets the document when
   * it says hello with an older version). Resolves when the device
   * acknowledges, or when it takes this version (or a later one) with the
   * whole document after its hello; rejects with its HearthError (nothing
   * changed on the device) or a timeout. A device that holds a newer version
   * says so, and the set is sent once more above it.
   */
  async set(values: Partial<Writable<M>>, options: RequestOptions = {}): Promise<void> {
    const props = this.model.spec.properties;
    for (const name of Object.keys(values)) {
      const spec = props[name];
      if (spec !== undefined && !writable(spec)) throw new HearthError("read-only", `property ${name} is read-only`, name);
    }
    // Checked once, before any is kept; converted once, and that wire form is what goes out.
    const wire = membersToWire(props, checkValues(props, values as Record<string, unknown>, "property", false));
    if (this.desiredVersion >= MAX_SEQ) throw new HearthError("out-of-range", `device ${this.id} holds desired version ${this.desiredVersion}, the last there is (PROTOCOL.md section 4)`);
    // The version is the store's: whichever instance (or a restarted one) asks next continues from it.
    this.holdDesired(await this.cloud.keepDesired(this.id, values as Record<string, StoredValue>, 0));
    await this.sendDesired(wire, options);
  }

  private async sendDesired(wire: WireMembers, options: RequestOptions): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const version = this.desiredVersion;
      const request = this.cloud.request(this.id, { type: "set", seq: 0, version, values: wire }, options.timeoutMs ?? 10_000);
      // A device away when this went out gets the whole document again after its hello; that ack settles this set too.
      const waiter = { version, reached: (): void => undefined };
      const reached = new Promise<"reached">((resolve) => (waiter.reached = () => resolve("reached")));
      this.versionWaiters.add(waiter);
      let reply: Message | "reached";
      try {
        reply = await Promise.race([request, reached]);
      } finally {
        this.versionWaiters.delete(waiter);
      }
      if (reply === "reached") {
        request.catch(() => undefined); // its own answer (or timeout) no longer matters
        return;
      }
      if (reply.type === "ack") {
        this.deviceHas(version);
        return;
      }
      if (reply.type === "error" && reply.code === ErrorCode.stale && reply.current !== undefined && attempt === 0) {
        this.holdDesired(await this.cloud.keepDesired(this.id, {}, reply.current + 1));
        continue;
      }
      throw unexpected(reply, (id) => this.model.propertyById(id)?.[0]);
    }
  }

  /**
   * Runs an action on the device and resolves with its checked result. The
   * command carries an id (a repeat runs once) and a deadline (now + timeout):
   * a device that gets it later does not run it.
   */
  async invoke<A extends ActionName<M>>(name: A, params: ParamsOf<M, A>, options: RequestOptions = {}): Promise<ResultOf<M, A>> {
    const spec = this.model.spec.actions[name];
    if (spec === undefined) throw new HearthError("unknown-action", `unknown action ${name}`, name);
    const wire = membersToWire(spec.params, checkValues(spec.params, params as Record<string, unknown>, "param", true));
    const timeout = options.timeoutMs ?? 10_000;
    const message: Message = { type: "invoke", seq: 0, action: spec.id, params: wire, id: this.cloud.commandId(), deadline: this.cloud.now() + (options.deadlineMs ?? timeout) };
    const reply = await this.cloud.request(this.id, message, timeout);
    if (reply.type !== "result") {
      throw unexpected(reply, (id) => Object.entries(spec.params).find(([, p]) => p.id === id)?.[0] ?? (id === spec.id ? name : undefined));
    }
    return membersFromWire(spec.result, reply.result, "result field", true) as ResultOf<M, A>;
  }

  onReport(listener: Listener<Partial<Props<M>>>): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  onEvent(listener: Listener<{ name: EventName<M>; fields: FieldsOf<M, EventName<M>> }>): () => void {
    const l = listener as Listener<{ name: EventName<M>; fields: Record<string, unknown> }>;
    this.eventListeners.add(l);
    return () => this.eventListeners.delete(l);
  }

  /** Hears the device come online (its hello, or a report after it was taken for gone) and go offline, once per change: true, then false, and so on. */
  onPresence(listener: Listener<boolean>): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  /** Resolves with the reported state once `predicate` holds for it. */
  waitFor(predicate: (state: Partial<Props<M>>) => boolean, timeoutMs = 10_000): Promise<Partial<Props<M>>> {
    if (predicate(this.reported)) return Promise.resolve({ ...this.reported });
    return new Promise((resolve, reject) => {
      const timer = setHostTimeout(() => {
        off();
        reject(new HearthError("timeout", `device ${this.id}: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onReport((state) => {
        if (!predicate(state)) return;
        clearHostTimeout(timer);
        off();
        resolve({ ...state });
      });
    });
  }

  /** @internal The desired document as the store holds it (the cloud hands it over before a hello is judged). */
  holdDesired(doc: Desired): void {
    for (const name of Object.keys(this.desired)) delete (this.desired as Record<string, unknown>)[name];
    Object.assign(this.desired, doc.values);
    this.desiredVersion = doc.version;
  }

  /** The device holds desired state up to `version`: every set of that version or older has landed. */
  private deviceHas(version: number): void {
    this.cloud.deviceHas(this.id, version);
    this.deviceDesiredVersion = Math.max(this.deviceDesiredVersion, version);
    for (const w of this.versionWaiters) if (w.version <= version) w.reached();
  }

  /** The whole desired document again, above `held` (the version the device said hello with) when the store's is not. */
  private async resendDesired(held: number): Promise<void> {
    if (this.desiredVersion <= held) this.holdDesired(await this.cloud.keepDesired(this.id, {}, held + 1));
    // The store's document was checked when it was set: converted here, not checked again.
    await this.sendDesired(membersToWire(this.model.spec.properties, this.desired), {});
  }

  private present(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    for (const listener of this.presenceListeners) listener(online);
  }

  /** @internal The cloud hands this device's uplink messages here, a report's or event's members as the cloud decoded and checked them (`uplink`). */
  receive(message: Message, uplink?: Uplink): void {
    switch (message.type) {
      case "hello":
        this.firmware = message.firmware;
        this.resetReason = message.resetReason;
        this.bootCount = message.bootCount;
        this.deviceDesiredVersion = message.desiredVersion;
        // A hello's version says the device holds *a* document of that version, not that it holds this
        // cloud's: another cloud (or this one before a restart) may have issued it. So a hello never
        // settles a set; the whole desired document goes again, above the device's version when this
        // cloud's count is behind it, and the device's ack of that settles every set it covers.
        if (Object.keys(this.desired).length > 0 && (this.desiredVersion > message.desiredVersion || this.versionWaiters.size > 0)) {
          this.resendDesired(message.desiredVersion).catch(() => undefined);
        }
        this.present(true);
        return;
      case "report": {
        if (uplink?.kind !== "report") return;
        Object.assign(this.reported, uplink.values);
        this.present(true);
        this.reports++;
        for (const listener of this.reportListeners) listener(this.reported);
        return;
      }
      case "event": {
        if (uplink?.kind !== "event") return;
        for (const listener of this.eventListeners) listener({ name: uplink.name as EventName<M>, fields: uplink.fields });
        return;
      }
      case "offline":
        this.present(false);
        return;
      default:
        return;
    }
  }
}

/** The device's refusal as a HearthError whose member is a name again. */
function unexpected(reply: Message, memberName: (id: number) => string | undefined): HearthError {
  if (reply.type === "error") {
    const member = reply.member === null ? undefined : memberName(reply.member);
    return new HearthError(errorCodeName(reply.code) ?? "failed", reply.detail, member);
  }
  return new HearthError("malformed", `unexpected ${reply.type} in answer`);
}
