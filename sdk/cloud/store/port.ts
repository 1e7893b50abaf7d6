/**
 * The cloud's store port: what the cloud keeps per device, so that any
 * number of instances share one fleet and a restarted tier forgets nothing.
 * Implementations: MemoryStore (tests, the desk) and PostgresStore
 * (sdk/cloud/store/node/postgres.ts). STORE.md is the schema and the
 * transactions; test/conformance/store.test.ts holds both to this contract.
 */

/** A member's value as stored: what the model's members decode to (JSON-safe). */
export type StoredValue = number | boolean | string;

/** An uplink the store takes through its inbox: each (device, session, seq) takes effect once. */
export type Uplink = { deviceId: string; seq: number; at: number } & (
  | { kind: "hello"; model: string; modelHash: string; firmware: string; bootCount: number; desiredVersion: number }
  | { kind: "report"; values: Readonly<Record<string, StoredValue>> }
  | { kind: "event"; name: string; fields: Readonly<Record<string, StoredValue>> }
  | { kind: "result"; commandId: number; result: Readonly<Record<string, StoredValue>> }
  | { kind: "otaStatus"; updateId: number; phase: string; offset: number; detail: string }
);

/**
 * What became of one uplink: taken (its effect is committed), a repeat of one
 * taken before (nothing changed), or refused for want of a session (no hello
 * from this device is stored: it must say hello first).
 */
export type Outcome = "taken" | "repeat" | "no-session";

/** A device's session and identity, as its last hello set them. */
export interface DeviceRecord {
  deviceId: string;
  model: string;
  modelHash: string;
  firmware: string;
  bootCount: number;
  /** Changes when the device's seqs start over (its flash was erased): the first half of every stamp. */
  session: number;
  /** The highest seq taken in this session. */
  maxSeq: number;
  online: boolean;
  /** Unix ms of the last hello or offline. */
  presenceAt: number;
}

/** One member as last reported, with the (session, seq) of the report that set it: later ones win. */
export interface ReportedMember {
  value: StoredValue;
  session: number;
  seq: number;
  at: number;
}

export interface Desired {
  /** The document's version: every change takes the next one; 0 before the first. */
  version: number;
  values: Record<string, StoredValue>;
  /** The highest version the device has acknowledged (or said hello with, when it matched ours). */
  deviceVersion: number;
}

export interface HistoryRow {
  member: string;
  value: StoredValue;
  at: number;
  seq: number;
}

export interface StoredEvent {
  name: string;
  fields: Record<string, StoredValue>;
  at: number;
  seq: number;
}

/** A rollout as every instance of a tier serves it: what `Cloud.rollout` was given. */
export interface RolloutPlan {
  id: number;
  /** The signed image (os/boot/IMAGE.md). */
  image: Uint8Array;
  devices: readonly string[];
  share: number;
  maxFailures: number | null;
  /** When it was planned, Unix ms. */
  at: number;
}

export interface RolloutProgress {
  deviceId: string;
  phase: string;
  offset: number;
  detail: string;
  at: number;
}

/**
 * The calls a store that answers at once (in memory) also offers without a
 * promise: the cloud then takes each uplink as it arrives, with no turn of
 * the event loop between, so simulations in virtual time keep their timing.
 */
export interface ImmediateStore {
  accept(batch: readonly Uplink[]): Outcome[];
  device(deviceId: string): DeviceRecord | undefined;
  desired(deviceId: string): Desired;
  changeDesired(deviceId: string, values: Readonly<Record<string, StoredValue>>, options?: { expected?: number; atLeast?: number }): Desired;
  deviceHas(deviceId: string, version: number): void;
  seqBlock(): number;
}

export interface CloudStore {
  /** Present when the store answers at once (see ImmediateStore). */
  readonly immediate?: ImmediateStore;
  /**
   * Takes a batch of uplinks in one transaction (in order: a hello before the
   * reports after it), and resolves once it is committed: the caller
   * acknowledges exactly the ones taken or repeated, and only then.
   */
  accept(batch: readonly Uplink[]): Promise<Outcome[]>;
  device(deviceId: string): Promise<DeviceRecord | undefined>;
  /** Every device, or those of `ids` the store knows (in device order). */
  devices(ids?: readonly string[]): Promise<DeviceRecord[]>;
  /** The device went away (its will, or its goodbye). */
  offline(deviceId: string, at: number): Promise<void>;
  reported(deviceId: string): Promise<Record<string, ReportedMember>>;
  desired(deviceId: string): Promise<Desired>;
  /**
   * Merges `values` into the desired document under the next version, which
   * is at least `atLeast` (a device said it holds a higher one). With
   * `expected`, only when the document is at that version now; otherwise a
   * HearthError "stale".
   */
  changeDesired(deviceId: string, values: Readonly<Record<string, StoredValue>>, options?: { expected?: number; atLeast?: number }): Promise<Desired>;
  /** The device holds desired version `version` (it acknowledged it). Never lowers what is kept. */
  deviceHas(deviceId: string, version: number): Promise<void>;
  /** Reported values of one device from `from` (inclusive) to `to` (exclusive), Unix ms, oldest first. */
  history(deviceId: string, from: number, to: number, member?: string): Promise<HistoryRow[]>;
  events(deviceId: string, from: number, to: number): Promise<StoredEvent[]>;
  /** A command's answer, once its result has been taken. */
  answer(deviceId: string, commandId: number): Promise<Record<string, StoredValue> | undefined>;
  rollout(updateId: number): Promise<RolloutProgress[]>;
  /**
   * Keeps a rollout's plan, so that every instance on this store serves it, and tells them
   * (onRolloutPlan), this one included. A HearthError "busy" if the id is planned already.
   */
  planRollout(plan: RolloutPlan): Promise<void>;
  rolloutPlan(updateId: number): Promise<RolloutPlan | undefined>;
  /** The ids of every plan kept, oldest first. */
  rolloutPlans(): Promise<number[]>;
  onRolloutPlan(listener: (updateId: number) => void): () => void;
  /** Drops history, events, answers and inbox entries older than `before` (Unix ms): retention. */
  prune(before: number): Promise<void>;
  /**
   * A block of 2^20 downlink seqs no other instance holds (a set's ack names
   * its seq, and may reach any instance): the block's first seq.
   */
  seqBlock(): Promise<number>;
  /**
   * Passes a device's answer to a request (its ack, error or result frame) to
   * every instance on this store, this one included: the one that asked
   * settles it (a device's answer may reach any instance of a shared subscription).
   */
  publishAnswer(deviceId: string, frame: Uint8Array): Promise<void>;
  onAnswer(listener: (deviceId: string, frame: Uint8Array) => void): () => void;
  close(): Promise<void>;
}

/** The size of a seq block: 4,095 blocks fit the protocol's 32-bit seqs (seq 0 is never used). */
export const SEQ_BLOCK = 1 << 20;
export const SEQ_BLOCKS = 4095;
