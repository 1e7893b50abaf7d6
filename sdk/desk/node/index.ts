/** Node-only parts of the SDK: transport, brokers, the simulator host, building and flashing images. */
export { MqttTransport, type MqttTransportOptions } from "./mqtt/transport.js";
export { startBroker, type BrokerAuth, type BrokerOptions, type EmbeddedBroker } from "./mqtt/broker.js";
export { writeMosquittoConfig, type DeviceCredential, type MosquittoSetup } from "./mqtt/mosquitto-config.js";
export { runSimulation, type SessionOptions, type SessionSummary } from "./host/session.js";
export { runBoardInWorker, type BoardInWorkerOptions, type BoardInWorkerResult } from "./host/board-in-worker.js";
export { buildFirmware, type BuildOptions, type BuildResult } from "./tools/build.js";
export { flashImage, startBoardPort } from "./tools/flasher.js";
export { parseDuration } from "../sim/duration.js";
export { buildImage, newKeyPair, verifyEd25519 } from "../../../os/boot/signing.js";
export { runFleet, type FleetOptions, type FleetSummary } from "./host/fleet.js";
export { runFleetOnWorkers, type WorkerFleetOptions } from "./host/fleet-workers.js";
export { shardRange, splitRange, type DeviceRange } from "./host/fleet-slices.js";
export { mergeSummaries, SummaryMergeError } from "./host/fleet-summary.js";
export { LatencyHistogram, type HistogramJson } from "./host/histogram.js";
