import "./configure.js";
import { Status, StatusResponseError } from "@matter/main/types";
import { HearthError, type ErrorCodeName } from "../../thing/errors.js";

/** The Matter status that says what a Hearth refusal says (Interaction Model status codes). */
const STATUS: Partial<Record<ErrorCodeName, Status>> = {
  "read-only": Status.UnsupportedWrite,
  "unknown-property": Status.UnsupportedAttribute,
  "unknown-action": Status.UnsupportedCommand,
  "wrong-type": Status.InvalidDataType,
  "out-of-range": Status.ConstraintError,
  "bad-param": Status.ConstraintError,
  busy: Status.Busy,
  timeout: Status.Timeout,
  "deadline-passed": Status.Timeout,
  offline: Status.Failure,
};

/** A Hearth refusal (or any failure) as the StatusResponseError a Matter controller gets. */
export function matterRefusal(error: unknown): StatusResponseError {
  if (error instanceof StatusResponseError) return error;
  if (error instanceof HearthError) return new StatusResponseError(`${error.code}: ${error.message}`, STATUS[error.code] ?? Status.Failure);
  return new StatusResponseError(error instanceof Error ? error.message : String(error), Status.Failure);
}
