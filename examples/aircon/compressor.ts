import { CompressorGuard, type Digital, type Kernel } from "../../sdk/index.js";

/** At least this long off before a restart: lets refrigerant pressures equalise. */
export const MIN_OFF_MS = 3 * 60_000;
/** At least this long on once started: short cycles wear the contactor and return no oil. */
export const MIN_ON_MS = 2 * 60_000;

/** The outdoor unit's compressor contactor, behind the air conditioner's protection times. */
export function airconCompressor(relay: Digital, kernel: Kernel): CompressorGuard {
  return new CompressorGuard(relay, kernel, { minOffMs: MIN_OFF_MS, minOnMs: MIN_ON_MS });
}
