import { HearthError } from "../thing/errors.js";
import { CborFloat, decodeCbor, encodeCbor, type CborValue } from "../../os/cbor.js";
import { frozen } from "../../hal/frozen.js";

/** Wire-level members: property, param and field ids mapped to wire values. */
export type WireMembers = Map<number, WireValue>;
export type WireValue = number | boolean | string;

/**
 * What one field of a message holds on the wire: a check (which says what it
 * should have been) and, for byte strings, a copy so a message never aliases
 * the frame it came from.
 */
interface FieldKind<T> {
  readonly what: string;
  is(x: unknown): x is T;
  copy?(x: T): T;
  /** What is wrong with `x` in detail, where `what` alone would not say. */
  problem?(x: unknown): string | undefined;
}
type KindOf<K> = K extends FieldKind<infer T> ? T : never;
type Fields = Readonly<Record<string, FieldKind<unknown>>>;

/** A CDDL `uint`: an integer on the wire (a float, even 1.0, is not one), within what a number holds exactly. */
const uint: FieldKind<number> = frozen({ what: "an unsigned integer", is: isUint });
/** A `seq` (and a `ref`): `uint .le 4294967295`. */
const seqKind: FieldKind<number> = frozen({ what: "a seq (an unsigned integer up to 4294967295)", is: isSeq });
/** A desired-state version: `uint .le 4294967295`, as a seq (section 4). */
const version: FieldKind<number> = frozen({ what: "a version (an unsigned integer up to 4294967295)", is: isSeq });
const text: FieldKind<string> = frozen({ what: "text", is: (x): x is string => typeof x === "string" });
const bytes: FieldKind<Uint8Array> = frozen({ what: "a byte string", is: (x): x is Uint8Array => x instanceof Uint8Array, copy: (x) => Uint8Array.from(x) });
const sha256: FieldKind<Uint8Array> = { ...bytes, what: "a byte string of 32", is: (x): x is Uint8Array => x instanceof Uint8Array && x.length === 32 };
const modelHash8: FieldKind<Uint8Array> = { ...bytes, what: "a byte string of 8", is: (x): x is Uint8Array => x instanceof Uint8Array && x.length === 8 };
/** An enumeration of the CDDL with values 0..`last` (reset-reason, level, ota-phase). */
const upTo = (last: number, what: string): FieldKind<number> => ({ what, is: (x): x is number => isUint(x) && x <= last, problem: (x) => (isUint(x) ? `is unknown: ${x}` : undefined) });
const resetReason = upTo(4, "a reset reason (0..4)");
const level = upTo(4, "a level (0..4)");
const semver: FieldKind<string> = frozen({ what: "text major.minor.patch", is: (x): x is string => typeof x === "string" && /^\d{1,5}\.\d{1,5}\.\d{1,5}$/.test(x) });
const memberOrNull: FieldKind<number | null> = frozen({ what: "an id or null", is: (x): x is number | null => x === null || isUint(x) });
const otaPhase = upTo(4, "an OtaPhase");
const members: FieldKind<WireMembers> = frozen({
  what: "a map of id to value",
  is: (x): x is WireMembers => members.problem?.(x) === undefined,
  problem(x) {
    if (!(x instanceof Map)) return "must be a map of id to value";
    for (const [k, v] of x as Map<unknown, unknown>) {
      if (!isUint(k)) return "must have unsigned integer member ids";
      if (typeof v !== "number" && typeof v !== "boolean" && typeof v !== "string" && !(v instanceof CborFloat)) return `member ${String(k)} has a value that is not a number, boolean or text`;
    }
    return undefined;
  },
  // A member's value may be a float (a number without a step): it is a number from here on, and
  // which ids came as floats is kept beside it, so an int, an enum index or a step count that came as
  // a float (even 2.0) can be refused by the model check (section 3: those travel as integers).
  copy: (x) => {
    if (![...x.values()].some((v) => (v as unknown) instanceof CborFloat)) return x; // the common case: nothing to unbox, no copy
    const out: WireMembers = new Map();
    const floats = new Set<number>();
    for (const [k, v] of x) {
      if ((v as unknown) instanceof CborFloat) floats.add(k);
      out.set(k, (v as unknown) instanceof CborFloat ? (v as unknown as CborFloat).value : v);
    }
    if (floats.size > 0) (floatMembers ??= new WeakMap()).set(out, floats);
    return out;
  },
});

// Made at the first use, not as the module loads (a preloaded WeakMap is in ROM on Moddable: hal/moddable/README.md).
let floatMembers: WeakMap<WireMembers, ReadonlySet<number>> | undefined;

/** Whether member `id` of these decoded members was a float on the wire. */
export function cameAsFloat(members: WireMembers, id: number): boolean {
  return floatMembers?.get(members)?.has(id) ?? false;
}

/**
 * A message body's shape: a tuple of named fields (an optional tail is there
 * whole or not at all), one value as the whole body, or null.
 */
type Body =
  | { readonly shape: "tuple"; readonly fields: Fields; readonly tail: Fields }
  | { readonly shape: "value"; readonly name: string; readonly kind: FieldKind<unknown> }
  | { readonly shape: "null" };

function tuple<R extends Fields, T extends Fields = {}>(fields: R, tail?: T) {
  return { shape: "tuple", fields, tail: (tail ?? {}) as T } as const;
}
function value<N extends string, K extends FieldKind<unknown>>(name: N, kind: K) {
  return { shape: "value", name, kind } as const;
}
const nothing = frozen({ shape: "null" } as const);

/**
 * Every message: its type id (the envelope's first element, PROTOCOL.md
 * section 3) and its body. The Message type, the encoder and the decoder all
 * come from this one table.
 */
const MESSAGES = frozen({
  /** Device to cloud, first after every connect. `desiredVersion`: the version of the desired state the device holds. */
  hello: { id: 0, body: tuple({ firmware: text, model: text, modelHash: modelHash8, resetReason, bootCount: uint, desiredVersion: version }) },
  report: { id: 1, body: value("values", members) },
  set: { id: 2, body: tuple({ version, values: members }) },
  /** `deadline`: Unix ms after which the command must not run; 0 for none. */
  invoke: { id: 3, body: tuple({ action: uint, params: members, id: uint, deadline: uint }) },
  result: { id: 4, body: tuple({ id: uint, result: members }) },
  event: { id: 5, body: tuple({ event: uint, fields: members, level }) },
  ack: { id: 6, body: value("ref", seqKind) },
  /** `current`: with code stale, the desired version the device holds. */
  error: { id: 7, body: tuple({ ref: seqKind, code: uint, member: memberOrNull, detail: text }, { current: version }) },
  offline: { id: 8, body: nothing },
  /** Device to cloud: [t1]; cloud to device: [t1, t2, t3] (NTP's four timestamps, t4 on arrival). */
  time: { id: 9, body: tuple({ t1: uint }, { t2: uint, t3: uint }) },
  /** Cloud to device: an update `id` offers firmware `version`, an image of `size` bytes with this SHA-256. */
  otaOffer: { id: 10, body: tuple({ id: uint, version: semver, size: uint, sha256 }) },
  /** Device to cloud: send `length` bytes of update `id` from `offset` (also says how far it got). */
  otaFetch: { id: 11, body: tuple({ id: uint, offset: uint, length: uint }) },
  otaChunk: { id: 12, body: tuple({ id: uint, offset: uint, data: bytes }) },
  /** Device to cloud, acknowledged: where update `id` stands (OtaPhase), how many bytes it holds, and why. */
  otaStatus: { id: 13, body: tuple({ id: uint, phase: otaPhase, offset: uint, detail: text }) },
} as const satisfies Record<string, { id: number; body: Body }>);

type Table = typeof MESSAGES;
export type MessageTypeName = keyof Table;

/** Message types: the first element of every envelope. See PROTOCOL.md. */
export const MessageType = frozen(Object.fromEntries(Object.entries(MESSAGES).map(([name, m]) => [name, m.id])) as { readonly [K in MessageTypeName]: Table[K]["id"] });

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type BodyFields<B> = B extends { shape: "tuple"; fields: infer R; tail: infer T }
  ? { -readonly [K in keyof R]: KindOf<R[K]> } & { -readonly [K in keyof T]?: KindOf<T[K]> }
  : B extends { shape: "value"; name: infer N extends string; kind: infer K }
    ? { [P in N]: KindOf<K> }
    : {};

/** Every message, as it is on the wire (ids, not names). */
export type Message = { [K in MessageTypeName]: Simplify<{ type: K; seq: number } & BodyFields<Table[K]["body"]>> }[MessageTypeName];

/** Where an update stands on a device (otaStatus's phase). */
export const OtaPhase = frozen({
  downloading: 0,
  /** Downloaded and verified; waiting until the firmware says installing is safe. */
  ready: 1,
  /** Installed; the device is rebooting into the new image. */
  installing: 2,
  /** The new image runs and confirmed itself. */
  done: 3,
  failed: 4,
} as const);
export type OtaPhase = keyof typeof OtaPhase;

/** The largest frame either side accepts, in bytes. */
export const MAX_FRAME_BYTES = 16 * 1024;

export function encodeMessage(m: Message): Uint8Array {
  const body: Body = MESSAGES[m.type].body;
  const fields = m as unknown as Record<string, CborValue | undefined>;
  let encoded: CborValue = null;
  if (body.shape === "value") encoded = fields[body.name] as CborValue;
  else if (body.shape === "tuple") {
    const values = Object.keys(body.fields).map((name) => fields[name] as CborValue);
    const tail = Object.keys(body.tail);
    if (tail.length > 0 && tail.every((name) => fields[name] !== undefined)) values.push(...tail.map((name) => fields[name] as CborValue));
    encoded = values;
  }
  return encodeCbor([MESSAGES[m.type].id, m.seq, encoded]);
}

const typeNames = new Map<number, MessageTypeName>(Object.entries(MESSAGES).map(([name, m]) => [m.id, name as MessageTypeName]));

/**
 * Checks and decodes one frame. The bytes are checked before anything is
 * decoded (lengths against the frame, nesting, size); anything that is not
 * exactly a well-formed message throws a HearthError "malformed" (or
 * "unknown-message") that says what is wrong, and the caller keeps running.
 */
export function decodeMessage(frame: Uint8Array): Message {
  if (frame.length > MAX_FRAME_BYTES) throw malformed(`frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  let item: unknown;
  try {
    item = decodeCbor(frame, { boxFloats: true });
  } catch (error) {
    throw malformed((error as Error).message);
  }
  if (!Array.isArray(item) || item.length !== 3) throw malformed("envelope must be an array [type, seq, body]");
  const [typeId, seq, b] = item as [unknown, unknown, unknown];
  if (!isUint(typeId)) throw malformed("message type must be an unsigned integer");
  if (!isSeq(seq)) throw malformed("seq must be an unsigned integer up to 4294967295");
  const type = typeNames.get(typeId);
  if (type === undefined) throw new HearthError("unknown-message", `unknown message type ${typeId}`);
  const body: Body = MESSAGES[type].body;
  const out: Record<string, unknown> = { type, seq };
  if (body.shape === "null") {
    if (b !== null) throw malformed(`${type}: body must be null`);
  } else if (body.shape === "value") {
    out[body.name] = field(type, body.name, body.kind, b);
  } else {
    const names = Object.keys(body.fields);
    const tail = Object.keys(body.tail);
    const n = names.length;
    if (!Array.isArray(b) || (b.length !== n && (tail.length === 0 || b.length !== n + tail.length))) {
      throw malformed(`${type}: body must be an array of ${tail.length === 0 ? n : `${n} or ${n + tail.length}`}`);
    }
    const all: [string, FieldKind<unknown>][] = [...Object.entries(body.fields), ...Object.entries(body.tail)];
    (b as unknown[]).forEach((x, i) => {
      const [name, kind] = all[i] as [string, FieldKind<unknown>];
      out[name] = field(type, name, kind, x);
    });
  }
  return out as Message;
}

function field(type: string, name: string, kind: FieldKind<unknown>, x: unknown): unknown {
  if (!kind.is(x)) throw malformed(`${type}: ${name} ${kind.problem?.(x) ?? `must be ${kind.what}`}`);
  return kind.copy === undefined ? x : kind.copy(x);
}

function isUint(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

/** The largest seq, and the largest desired-state version (PROTOCOL.md sections 3 and 4). */
export const MAX_SEQ = 4_294_967_295;

function isSeq(x: unknown): x is number {
  return isUint(x) && x <= MAX_SEQ;
}

function malformed(why: string): HearthError {
  return new HearthError("malformed", `malformed frame: ${why}`);
}

/**
 * The seq of a frame that could not be decoded as a message, when it can be
 * read: the frame starts as an envelope does (an array head, an integer,
 * then an unsigned integer: the seq), whatever follows; else 0. An error answer carries it as
 * `ref`, so the asking side can match it (PROTOCOL.md section 6).
 */
export function seqOf(frame: Uint8Array): number {
  let at = 0;
  const head = frame[at++];
  if (head === undefined || head >> 5 !== 4) return 0; // an array
  const info = head & 0x1f;
  at += info < 24 ? 0 : info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : Infinity;
  const uint = (major = 0): number | undefined => {
    const b = frame[at++];
    if (b === undefined || (b >> 5 !== 0 && b >> 5 !== major)) return undefined;
    const n = b & 0x1f;
    const size = n < 24 ? 0 : n === 24 ? 1 : n === 25 ? 2 : n === 26 ? 4 : n === 27 ? 8 : -1;
    if (size < 0 || at + size > frame.length) return undefined;
    let value = size === 0 ? n : 0;
    for (let i = 0; i < size; i++) value = value * 256 + (frame[at++] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  };
  // The type may be any integer (a wrong one is still a frame whose seq can be read); the seq an unsigned one.
  if (!Number.isFinite(at) || uint(1) === undefined) return 0;
  const seq = uint();
  return seq !== undefined && seq <= MAX_SEQ ? seq : 0;
}
