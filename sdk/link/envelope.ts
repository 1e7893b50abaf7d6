import { HearthError } from "../thing/errors.js";
import { decodeCbor, encodeCbor, type CborValue } from "../../os/cbor.js";

/** Message types: the first element of every envelope. See PROTOCOL.md. */
export const MessageType = {
  hello: 0,
  report: 1,
  set: 2,
  invoke: 3,
  result: 4,
  event: 5,
  ack: 6,
  error: 7,
  offline: 8,
  time: 9,
  otaOffer: 10,
  otaFetch: 11,
  otaChunk: 12,
  otaStatus: 13,
} as const;
export type MessageTypeName = keyof typeof MessageType;

/** Wire-level members: property, param and field ids mapped to wire values. */
export type WireMembers = Map<number, WireValue>;
export type WireValue = number | boolean | string;

/** Every message, as it is on the wire (ids, not names). */
export type Message =
  | {
      type: "hello";
      seq: number;
      firmware: string;
      model: string;
      modelHash: Uint8Array;
      resetReason: number;
      bootCount: number;
      /** The version of the desired state the device holds. */
      desiredVersion: number;
    }
  | { type: "report"; seq: number; values: WireMembers }
  | { type: "set"; seq: number; version: number; values: WireMembers }
  /** `deadline`: Unix ms after which the command must not run; 0 for none. */
  | { type: "invoke"; seq: number; action: number; params: WireMembers; id: number; deadline: number }
  | { type: "result"; seq: number; id: number; result: WireMembers }
  | { type: "event"; seq: number; event: number; fields: WireMembers; level: number }
  | { type: "ack"; seq: number; ref: number }
  /** `current`: with code stale, the desired version the device holds. */
  | { type: "error"; seq: number; ref: number; code: number; member: number | null; detail: string; current?: number }
  | { type: "offline"; seq: number }
  /** Device to cloud: [t1]; cloud to device: [t1, t2, t3] (NTP's four timestamps, t4 on arrival). */
  | { type: "time"; seq: number; t1: number; t2?: number; t3?: number }
  /** Cloud to device: an update `id` offers firmware `version`, an image of `size` bytes with this SHA-256. */
  | { type: "otaOffer"; seq: number; id: number; version: string; size: number; sha256: Uint8Array }
  /** Device to cloud: send `length` bytes of update `id` from `offset` (also says how far it got). */
  | { type: "otaFetch"; seq: number; id: number; offset: number; length: number }
  | { type: "otaChunk"; seq: number; id: number; offset: number; data: Uint8Array }
  /** Device to cloud, acknowledged: where update `id` stands (OtaPhase), how many bytes it holds, and why. */
  | { type: "otaStatus"; seq: number; id: number; phase: number; offset: number; detail: string };

/** Where an update stands on a device (otaStatus's phase). */
export const OtaPhase = {
  downloading: 0,
  /** Downloaded and verified; waiting until the firmware says installing is safe. */
  ready: 1,
  /** Installed; the device is rebooting into the new image. */
  installing: 2,
  /** The new image runs and confirmed itself. */
  done: 3,
  failed: 4,
} as const;
export type OtaPhase = keyof typeof OtaPhase;

/** The largest frame either side accepts, in bytes. */
export const MAX_FRAME_BYTES = 16 * 1024;

export function encodeMessage(m: Message): Uint8Array {
  return encodeCbor([MessageType[m.type], m.seq, body(m)]);
}

function body(m: Message): CborValue {
  switch (m.type) {
    case "hello":
      return [m.firmware, m.model, m.modelHash, m.resetReason, m.bootCount, m.desiredVersion];
    case "report":
      return m.values;
    case "set":
      return [m.version, m.values];
    case "invoke":
      return [m.action, m.params, m.id, m.deadline];
    case "result":
      return [m.id, m.result];
    case "event":
      return [m.event, m.fields, m.level];
    case "ack":
      return m.ref;
    case "error":
      return m.current === undefined ? [m.ref, m.code, m.member, m.detail] : [m.ref, m.code, m.member, m.detail, m.current];
    case "offline":
      return null;
    case "time":
      return m.t2 === undefined || m.t3 === undefined ? [m.t1] : [m.t1, m.t2, m.t3];
    case "otaOffer":
      return [m.id, m.version, m.size, m.sha256];
    case "otaFetch":
      return [m.id, m.offset, m.length];
    case "otaChunk":
      return [m.id, m.offset, m.data];
    case "otaStatus":
      return [m.id, m.phase, m.offset, m.detail];
  }
}

const typeNames = new Map<number, MessageTypeName>(
  Object.entries(MessageType).map(([name, id]) => [id, name as MessageTypeName]),
);

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
    item = decodeCbor(frame);
  } catch (error) {
    throw malformed((error as Error).message);
  }
  if (!Array.isArray(item) || item.length !== 3) throw malformed("envelope must be an array [type, seq, body]");
  const [typeId, seq, b] = item as [unknown, unknown, unknown];
  if (!isUint(typeId)) throw malformed("message type must be an unsigned integer");
  if (!isUint(seq)) throw malformed("seq must be an unsigned integer");
  const type = typeNames.get(typeId);
  if (type === undefined) throw new HearthError("unknown-message", `unknown message type ${typeId}`);
  switch (type) {
    case "hello": {
      const [firmware, model, modelHash, resetReason, bootCount, desiredVersion] = tuple(b, 6, type);
      if (typeof firmware !== "string" || typeof model !== "string") throw malformed("hello: firmware and model must be text");
      if (!(modelHash instanceof Uint8Array)) throw malformed("hello: model hash must be a byte string");
      if (!isUint(resetReason) || !isUint(bootCount) || !isUint(desiredVersion)) {
        throw malformed("hello: reset reason, boot count and desired version must be unsigned integers");
      }
      return { type, seq, firmware, model, modelHash: Uint8Array.from(modelHash), resetReason, bootCount, desiredVersion };
    }
    case "report":
      return { type, seq, values: members(b, type) };
    case "set": {
      const [version, values] = tuple(b, 2, type);
      if (!isUint(version)) throw malformed("set: version must be an unsigned integer");
      return { type, seq, version, values: members(values, type) };
    }
    case "invoke": {
      const [action, params, id, deadline] = tuple(b, 4, type);
      if (!isUint(action) || !isUint(id) || !isUint(deadline)) throw malformed("invoke: action, id and deadline must be unsigned integers");
      return { type, seq, action, params: members(params, type), id, deadline };
    }
    case "result": {
      const [id, result] = tuple(b, 2, type);
      if (!isUint(id)) throw malformed("result: id must be an unsigned integer");
      return { type, seq, id, result: members(result, type) };
    }
    case "event": {
      const [event, fields, level] = tuple(b, 3, type);
      if (!isUint(event) || !isUint(level)) throw malformed("event: event id and level must be unsigned integers");
      return { type, seq, event, fields: members(fields, type), level };
    }
    case "ack":
      if (!isUint(b)) throw malformed("ack: body must be the acknowledged seq");
      return { type, seq, ref: b };
    case "error": {
      if (!Array.isArray(b) || (b.length !== 4 && b.length !== 5)) throw malformed("error: body must be an array of 4 or 5");
      const [ref, code, member, detail, current] = b as unknown[];
      if (!isUint(ref) || !isUint(code)) throw malformed("error: ref and code must be unsigned integers");
      if (member !== null && !isUint(member)) throw malformed("error: member must be an id or null");
      if (typeof detail !== "string") throw malformed("error: detail must be text");
      if (current !== undefined && !isUint(current)) throw malformed("error: current version must be an unsigned integer");
      return current === undefined ? { type, seq, ref, code, member, detail } : { type, seq, ref, code, member, detail, current };
    }
    case "offline":
      if (b !== null) throw malformed("offline: body must be null");
      return { type, seq };
    case "time": {
      if (!Array.isArray(b) || (b.length !== 1 && b.length !== 3) || !b.every(isUint)) {
        throw malformed("time: body must be [t1] or [t1, t2, t3] of unsigned integers");
      }
      const [t1, t2, t3] = b as number[];
      return t2 === undefined || t3 === undefined ? { type, seq, t1: t1 as number } : { type, seq, t1: t1 as number, t2, t3 };
    }
    case "otaOffer": {
      const [id, version, size, sha] = tuple(b, 4, type);
      if (!isUint(id) || !isUint(size)) throw malformed("otaOffer: id and size must be unsigned integers");
      if (typeof version !== "string" || !/^\d{1,5}\.\d{1,5}\.\d{1,5}$/.test(version)) throw malformed("otaOffer: version must be text major.minor.patch");
      if (!(sha instanceof Uint8Array) || sha.length !== 32) throw malformed("otaOffer: sha256 must be a byte string of 32");
      return { type, seq, id, version, size, sha256: Uint8Array.from(sha) };
    }
    case "otaFetch": {
      const [id, offset, length] = tuple(b, 3, type);
      if (!isUint(id) || !isUint(offset) || !isUint(length)) throw malformed("otaFetch: id, offset and length must be unsigned integers");
      return { type, seq, id, offset, length };
    }
    case "otaChunk": {
      const [id, offset, data] = tuple(b, 3, type);
      if (!isUint(id) || !isUint(offset)) throw malformed("otaChunk: id and offset must be unsigned integers");
      if (!(data instanceof Uint8Array)) throw malformed("otaChunk: data must be a byte string");
      return { type, seq, id, offset, data: Uint8Array.from(data) };
    }
    case "otaStatus": {
      const [id, phase, offset, detail] = tuple(b, 4, type);
      if (!isUint(id) || !isUint(phase) || !isUint(offset)) throw malformed("otaStatus: id, phase and offset must be unsigned integers");
      if (phase > OtaPhase.failed) throw malformed(`otaStatus: unknown phase ${phase}`);
      if (typeof detail !== "string") throw malformed("otaStatus: detail must be text");
      return { type, seq, id, phase, offset, detail };
    }
  }
}

function tuple(b: unknown, n: number, type: string): unknown[] {
  if (!Array.isArray(b) || b.length !== n) throw malformed(`${type}: body must be an array of ${n}`);
  return b;
}

function members(b: unknown, type: string): WireMembers {
  if (!(b instanceof Map)) throw malformed(`${type}: body must be a map of id to value`);
  for (const [k, v] of b as Map<unknown, unknown>) {
    if (!isUint(k)) throw malformed(`${type}: member ids must be unsigned integers`);
    if (typeof v !== "number" && typeof v !== "boolean" && typeof v !== "string") {
      throw malformed(`${type}: member ${k} has a value that is not a number, boolean or text`);
    }
  }
  return b as WireMembers;
}

function isUint(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function malformed(why: string): HearthError {
  return new HearthError("malformed", `malformed frame: ${why}`);
}
