export { Cloud, type CloudStats, type CloudOptions } from "./cloud.js";
export { MemoryStore } from "./store/memory.js";
export type { CloudStore, Uplink, Outcome, DeviceRecord, Desired, ReportedMember, HistoryRow, StoredEvent, StoredValue, RolloutProgress } from "./store/port.js";
export { CloudDevice, type RequestOptions } from "./cloud-device.js";
export { HearthError, ErrorCode, type ErrorCodeName } from "../thing/errors.js";
export type { Message } from "../protocol/envelope.js";
export { devicePassword, credentialProblem, type CredentialProblem } from "../protocol/credentials.js";
export { Rollout, type RolloutOptions, type RolloutSummary, type DeviceUpdate } from "./rollout.js";
export { OtaPhase } from "../protocol/envelope.js";
