export { Cloud, type CloudStats } from "./cloud.js";
export { CloudDevice, type RequestOptions } from "./cloud-device.js";
export { HearthError, ErrorCode, type ErrorCodeName } from "../thing/errors.js";
export type { Message } from "../protocol/envelope.js";
export { devicePassword, credentialProblem, type CredentialProblem } from "../protocol/credentials.js";
export { Rollout, type RolloutOptions, type RolloutSummary, type DeviceUpdate } from "./rollout.js";
export { OtaPhase } from "../protocol/envelope.js";
