/** Node-only parts of the SDK: transport, brokers, the simulator host, building and flashing images. */
export { MqttTransport, type MqttTransportOptions } from "./mqtt-transport.js";
export { startBroker, type BrokerAuth, type BrokerOptions, type EmbeddedBroker } from "./broker.js";
export { writeMosquittoConfig, type DeviceCredential, type MosquittoSetup } from "./mosquitto-config.js";
export { runSimulation, type SimHostOptions, type SimSummary } from "./sim-host.js";
export { runWorkerBoard, type WorkerBoardOptions, type WorkerBoardResult } from "./worker-board.js";
export { buildFirmware, type BuildOptions, type BuildResult } from "./build.js";
export { flashImage, startBoardPort } from "./flasher.js";
export { parseDuration } from "./duration.js";
export { buildImage, newKeyPair, verifyEd25519 } from "../../os/boot/signing.js";
export { runFleet, type FleetOptions, type FleetSummary } from "./fleet.js";
