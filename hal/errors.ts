/** What went wrong, as a value a caller can switch on. */
export type HalErrorCode =
  | "unknown-pin" // the chip has no such pin, channel or port
  | "pin-in-use" // another IO instance holds the pin
  | "bad-option" // an option is missing, of the wrong type, or out of range
  | "closed" // the instance was closed
  | "io"; // the peripheral failed

/**
 * The one error type of the HAL. It names the option or pin at fault so a
 * firmware author can fix the call without reading the HAL's source.
 */
export class HalError extends Error {
  override readonly name = "HalError";
  constructor(
    readonly code: HalErrorCode,
    message: string,
    /** The option at fault, when there is one ("pin", "hz", ...). */
    readonly option?: string,
  ) {
    super(message);
  }
}
