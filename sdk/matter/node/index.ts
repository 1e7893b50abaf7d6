/**
 * hearth/matter: the Matter bridge (matter.js). Its own entry, so the
 * firmware image, the cloud library (hearth/cloud) and the CLI's start-up
 * never load matter.js; `hearth sim --matter` imports it when asked.
 */
import "./configure.js";
export { MatterBridge, type MatterBridgeOptions, type Pairing } from "./bridge.js";
export { matterEnvironment, NetworkSimulator, type MatterNetwork } from "./environment.js";
export { sessionMatter, sessionMatterFor, qrModules, NoMatterMapping, type SessionMatterOptions, type PairingShown } from "./session.js";
export { matterRefusal } from "./status.js";
export * from "../mapping.js";
