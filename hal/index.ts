export { HalError, type HalErrorCode } from "./errors.js";
export { H1, partition, type FlashPartition, type H1Chip } from "./h1.js";
export * from "./io.js";
export { ResetReason } from "./reset-cause.js";
export { FlashError, FlashRegion, type Flash, type FlashErrorKind } from "./flash.js";
export { frozen } from "./frozen.js";
