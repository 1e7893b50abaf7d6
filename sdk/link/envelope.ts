import { HearthError } from "../errors.js";
import { cborProblem } from "../../os/cbor-check.js";
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
} as const;
export type MessageTypeName = keyof typeof MessageType;

/** Wire-level members: property, param and field ids mapped to wire values. */
export type WireMembers = Map<number, WireValue>;
export type WireValue = number | boolean | string;

/** Every message, as it is on the wire (ids, not names). */
export type Message =
  | { type: "hello"; seq: number; firmware: string; model: string; modelHash: Uint8Array; resetReason: number }
  | { type: "report"; seq: number; values: WireMembers }
  | { type: "set"; seq: number; values: WireMembers }
  | { type: "invoke"; seq: number; action: number; params: WireMembers }
  | { type: "result"; seq: number; call: number; result: WireMembers }
  | { type: "event"; seq: number; event: number; fields: WireMembers }
  | { type: "ack"; seq: number; ref: number }
  | { type: "error"; seq: number; ref: number; code: number; member: number | null; detail: string }
  | { type: "offline"; seq: number };

/** The largest frame either side accepts, in bytes. */
export const MAX_FRAME_BYTES = 16 * 1024;

export function encodeMessage(m: Message): Uint8Array {
  return encodeCbor([MessageType[m.type], m.seq, body(m)]);
}

function body(m: Message): CborValue {
  switch (m.type) {
    case "hello":
      return [m.firmware, m.model, m.modelHash, m.resetReason];
    case "report":
    case "set":
      return m.values;
    case "invoke":
      return [m.action, m.params];
    case "result":
      return [m.call, m.result];
    case "event":
      return [m.event, m.fields];
    case "ack":
      return m.ref;
    case "error":
      return [m.ref, m.code, m.member, m.detail];
    case "offline":
      return null;
  }
}

const typeNames = new Map<number, MessageTypeName>(
  Object.entries(MessageType).map(([name, id]) => [id, name as MessageTypeName]),
);

/**
 * Decodes and checks one frame. Anything that is not exactly a well-formed
 * message throws a HearthError "malformed" (or "unknown-message") that says
 * what is wrong, and the caller keeps running.
 */
export function decodeMessage(frame: Uint8Array): Message {
  if (frame.length > MAX_FRAME_BYTES) throw malformed(`frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const problem = cborProblem(frame);
  if (problem !== undefined) throw malformed(problem);
  let item: unknown;
  try {
    item = decodeCbor(frame);
  } catch (error) {
    throw malformed(`not one CBOR item: ${(error as Error).message}`);
  }
  if (!Array.isArray(item) || item.length !== 3) throw malformed("envelope must be an array [type, seq, body]");
  const [typeId, seq, b] = item as [unknown, unknown, unknown];
  if (!isUint(typeId)) throw malformed("message type must be an unsigned integer");
  if (!isUint(seq)) throw malformed("seq must be an unsigned integer");
  const type = typeNames.get(typeId);
  if (type === undefined) throw new HearthError("unknown-message", `unknown message type ${typeId}`);
  switch (type) {
    case "hello": {
      const [firmware, model, modelHash, resetReason] = tuple(b, 4, "hello");
      if (typeof firmware !== "string" || typeof model !== "string") throw malformed("hello: firmware and model must be text");
      if (!(modelHash instanceof Uint8Array)) throw malformed("hello: model hash must be a byte string");
      if (!isUint(resetReason)) throw malformed("hello: reset reason must be an unsigned integer");
      return { type, seq, firmware, model, modelHash: Uint8Array.from(modelHash), resetReason };
    }
    case "report":
    case "set":
      return { type, seq, values: members(b, type) };
    case "invoke": {
      const [action, params] = tuple(b, 2, type);
      if (!isUint(action)) throw malformed("invoke: action id must be an unsigned integer");
      return { type, seq, action, params: members(params, type) };
    }
    case "result": {
      const [call, result] = tuple(b, 2, type);
      if (!isUint(call)) throw malformed("result: call must be an unsigned integer");
      return { type, seq, call, result: members(result, type) };
    }
    case "event": {
      const [event, fields] = tuple(b, 2, type);
      if (!isUint(event)) throw malformed("event: event id must be an unsigned integer");
      return { type, seq, event, fields: members(fields, type) };
    }
    case "ack":
      if (!isUint(b)) throw malformed("ack: body must be the acknowledged seq");
      return { type, seq, ref: b };
    case "error": {
      const [ref, code, member, detail] = tuple(b, 4, type);
      if (!isUint(ref) || !isUint(code)) throw malformed("error: ref and code must be unsigned integers");
      if (member !== null && !isUint(member)) throw malformed("error: member must be an id or null");
      if (typeof detail !== "string") throw malformed("error: detail must be text");
      return { type, seq, ref, code, member, detail };
    }
    case "offline":
      if (b !== null) throw malformed("offline: body must be null");
      return { type, seq };
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
