import { frozen } from "../../hal/frozen.js";
/**
 * Error codes shared by the device, the cloud side and the wire. The numbers
 * are the protocol's (see sdk/protocol/PROTOCOL.md); the names are for code.
 */
export const ErrorCode = frozen({
  "malformed": 1,
  "unknown-message": 2,
  "unknown-property": 3,
  "read-only": 4,
  "wrong-type": 5,
  "out-of-range": 6,
  "unknown-action": 7,
  "bad-param": 8,
  "busy": 9,
  "failed": 10,
  "timeout": 11,
  "offline": 12,
  "stale": 13,
  "deadline-passed": 14,
  "unknown-model": 15,
  "no-session": 16,
} as const);
export type ErrorCodeName = keyof typeof ErrorCode;

const names = new Map<number, ErrorCodeName>(Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName]));

export function errorCodeName(code: number): ErrorCodeName | undefined {
  return names.get(code);
}

/** What a set of named members is: a device's properties, an action's params, a result's or an event's fields. */
export type MemberKind = "property" | "param" | "result field" | "field";
/** What is wrong with one member. */
export type MemberFault = "unknown" | "missing" | "wrong-type" | "out-of-range";

/**
 * The one error code for each fault of a member, wherever it is found (a
 * local check or a frame from the wire): PROTOCOL.md section 6. A param's
 * every fault is bad-param; an unknown property is unknown-property; an
 * unknown result or event field is a frame of the wrong shape (malformed).
 */
export function memberFaultCode(kind: MemberKind, fault: MemberFault): ErrorCodeName {
  if (kind === "param") return "bad-param";
  if (fault === "unknown") return kind === "property" ? "unknown-property" : "malformed";
  if (fault === "missing") return "wrong-type";
  return fault;
}

/**
 * A refusal or failure, on either side of the link. `member` names the
 * property, action, param or field at fault, when there is one.
 */
export class HearthError extends Error {
  override readonly name = "HearthError";
  constructor(
    readonly code: ErrorCodeName,
    message: string,
    readonly member?: string,
  ) {
    super(message);
  }
}
