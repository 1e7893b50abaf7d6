export type { Clock } from "./clock.js";
export { Kernel, Priority, type Fault, type KernelOptions, type LatePolicy, type Timer } from "./kernel.js";
export { Random } from "./random.js";
export { VirtualClock, type ClockChannel } from "./virtual-clock.js";
export { ResetReason } from "../hal/reset-cause.js";
export { defineStates, StateMachine, type StateApi, type StateDef, type StateDefs } from "./hsm.js";
export { Bus } from "./bus.js";
export { Log, LogLevel, formatRecord, type LogRecord, type LogSink } from "./log.js";
export { FaultGuard, type FaultGuardOptions } from "./fault-guard.js";
export { TaskWatchdog, type TaskWatchdogOptions, type WatchedTask } from "./watchdog.js";
export { Services, type Service } from "./services.js";
export { KvStore, AppendLog, StorageError, crc32, type KvOptions, type LogEntry, type StorageErrorCode } from "./storage/index.js";
export { encodeCbor, decodeCbor, type CborValue } from "./cbor.js";
export { Bootloader, BootError, type BootDecision, type BootLayout, type Slot } from "./boot/bootloader.js";
export { parseImage, verifyImage, ImageError, type Image, type ImageHeader, type ImageProblem, type SignatureCheck } from "./boot/image.js";

