import { HearthError } from "../thing/errors.js";
import type {
  ActionName,
  EventName,
  FieldsOf,
  Model,
  ModelSpec,
  ParamsOf,
  PropName,
  Props,
  ResultOf,
  WritableName,
} from "../thing/model.js";
import { quantizeAll, writable } from "../thing/model.js";
import { checkValues, type Checked } from "../thing/validate.js";

/** What the link (or any observer) hears from a device. */
export interface DeviceListener<M extends ModelSpec> {
  /** Properties changed; called once per `set`/`update` that changed anything. */
  changed?(names: readonly PropName<M>[]): void;
  event?<E extends EventName<M>>(name: E, fields: Checked<FieldsOf<M, E>>): void;
}

type ActionHandler = (params: Record<string, unknown>) => unknown;

/**
 * The Device API: an appliance's properties, actions and events, typed by its
 * model. Firmware sets what it measures and reacts to what the cloud writes;
 * the link observes it. Every value is checked against the model on the way in.
 */
export class Device<M extends ModelSpec> {
  private readonly values: Props<M>;
  private readonly writeHandlers = new Map<string, (value: unknown, previous: unknown) => void>();
  private readonly actionHandlers = new Map<string, ActionHandler>();
  private readonly listeners = new Set<DeviceListener<M>>();

  constructor(
    readonly model: Model<M>,
    initial: Props<M>,
  ) {
    checkValues(model.spec.properties, initial, "property", true);
    this.values = { ...initial };
  }

  get<K extends PropName<M>>(name: K): Props<M>[K] {
    return this.values[name];
  }

  /** A copy of every property's current value (each checked as it came in). */
  snapshot(): Checked<Props<M>> {
    return { ...this.values } as Checked<Props<M>>;
  }

  set<K extends PropName<M>>(name: K, value: Props<M>[K]): void {
    this.update({ [name]: value } as unknown as Partial<Props<M>>);
  }

  /**
   * Sets several properties at once: a measurement snaps to its property's
   * step (the model owns quantization: firmware never rounds by hand), then
   * all are checked before any changes.
   */
  update(values: Partial<Props<M>>): void {
    const props = this.model.spec.properties;
    this.apply(checkValues(props, quantizeAll(props, values as Record<string, unknown>), "property", false));
  }

  /** Called when the cloud writes `name` (after the value was checked and applied). */
  onWrite<K extends WritableName<M>>(name: K, handler: (value: Props<M>[K], previous: Props<M>[K]) => void): void {
    this.writeHandlers.set(name, handler as (value: unknown, previous: unknown) => void);
  }

  /** Serves action `name`. Throw a HearthError("busy", ...) to refuse; any other throw reports "failed". */
  handle<A extends ActionName<M>>(
    name: A,
    handler: (params: ParamsOf<M, A>) => ResultOf<M, A> | Promise<ResultOf<M, A>>,
  ): void {
    this.actionHandlers.set(name, handler as unknown as ActionHandler);
  }

  emit<E extends EventName<M>>(name: E, fields: FieldsOf<M, E>): void {
    const spec = this.model.spec.events[name];
    if (spec === undefined) throw new HearthError("unknown-message", `unknown event ${name}`, name);
    const checked = checkValues(spec.fields, quantizeAll(spec.fields, fields as Record<string, unknown>), "field", true) as Checked<FieldsOf<M, E>>;
    for (const listener of this.listeners) listener.event?.(name, checked);
  }

  observe(listener: DeviceListener<M>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A user's write at the appliance itself (a key on its panel): the same as
   * one from the cloud, checked the same way and heard by the same onWrite
   * handlers, and reported to the cloud like any change.
   */
  write(values: Partial<Pick<Props<M>, WritableName<M>>>): void {
    this.remoteWrite(values as Readonly<Record<string, unknown>>);
  }

  /**
   * A write from the cloud, by property name. Refuses (throws HearthError,
   * changing nothing) an unknown or read-only property or a bad value.
   */
  remoteWrite(values: Readonly<Record<string, unknown>>): void {
    this.writeChecked(checkValues(this.model.spec.properties, values, "property", false));
  }

  /** A write whose values the link has decoded and checked against the model (`membersFromWire`): only the read-only rule is left. */
  writeChecked(values: Checked<Readonly<Record<string, unknown>>>): void {
    this.refuseReadOnly(values);
    const previous = { ...this.values } as Record<string, unknown>;
    const changed = this.apply(values);
    for (const name of changed) this.writeHandlers.get(name)?.(values[name], previous[name]);
  }

  /** A user's request at the appliance itself (a key on its panel): the same as the cloud's, checked and handled the same way. */
  invoke<A extends ActionName<M>>(name: A, params: ParamsOf<M, A>): Promise<ResultOf<M, A>> {
    return this.remoteCall(name, params as Readonly<Record<string, unknown>>) as Promise<ResultOf<M, A>>;
  }

  /** An invocation from the cloud. Params and result are checked against the model. */
  remoteCall(name: string, params: Readonly<Record<string, unknown>>): Promise<Checked<Record<string, unknown>>> {
    const spec = this.model.spec.actions[name];
    if (spec === undefined || !this.actionHandlers.has(name)) return Promise.reject(new HearthError("unknown-action", `unknown action ${name}`, name));
    try {
      return this.callChecked(name, checkValues(spec.params, params, "param", true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** An invocation whose params the link has decoded and checked; the handler's result is snapped and checked once, here. */
  async callChecked(name: string, params: Checked<Readonly<Record<string, unknown>>>): Promise<Checked<Record<string, unknown>>> {
    const spec = this.model.spec.actions[name];
    const handler = this.actionHandlers.get(name);
    if (spec === undefined || handler === undefined) throw new HearthError("unknown-action", `unknown action ${name}`, name);
    let result: unknown;
    try {
      result = await handler({ ...params });
    } catch (error) {
      if (error instanceof HearthError) throw error;
      throw new HearthError("failed", `action ${name} failed: ${error instanceof Error ? error.message : String(error)}`, name);
    }
    return checkValues(spec.result, quantizeAll(spec.result, result as Record<string, unknown>), "result field", true);
  }

  private refuseReadOnly(values: Readonly<Record<string, unknown>>): void {
    for (const name of Object.keys(values)) {
      const spec = this.model.spec.properties[name];
      if (spec !== undefined && !writable(spec)) throw new HearthError("read-only", `property ${name} is read-only`, name);
    }
  }

  private apply(values: Readonly<Record<string, unknown>>): PropName<M>[] {
    const current = this.values as Record<string, unknown>;
    const changed: PropName<M>[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (current[name] === value) continue;
      current[name] = value;
      changed.push(name as PropName<M>);
    }
    if (changed.length > 0) for (const listener of this.listeners) listener.changed?.(changed);
    return changed;
  }
}
