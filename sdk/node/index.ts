/** Node-only parts of the SDK: the MQTT transport, the embedded broker, the simulator host. */
export { MqttTransport, type MqttTransportOptions } from "./mqtt-transport.js";
export { startBroker, type EmbeddedBroker } from "./broker.js";
export { runSimulation, type SimHostOptions, type SimSummary } from "./sim-host.js";
export { parseDuration } from "./duration.js";
