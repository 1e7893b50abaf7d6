import { frozen } from "./frozen.js";
/**
 * Why the chip last started: a hardware register that survives the reset it
 * describes. The numbers travel in the link's hello.
 */
export const ResetReason = frozen({
  powerOn: 0,
  watchdog: 1,
  software: 2,
  brownOut: 3,
  update: 4,
} as const);
export type ResetReason = keyof typeof ResetReason;
