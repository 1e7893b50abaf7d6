export type { Clock } from "./clock.js";
export { Kernel, Priority, type Fault, type KernelOptions, type LatePolicy, type Timer } from "./kernel.js";
export { Random } from "./random.js";
export { VirtualClock } from "./virtual-clock.js";
export { ResetReason } from "./reset-reason.js";
