#!/usr/bin/env node
// Commissions a Matter bridge (hearth sim APP --matter) by hand, from a matter.js controller on this
// machine's network, and lists what it bridges. Only matter.js's API: no Hearth code.
//
//   node docs/matter-commission.mjs 3497-011-2332            # the manual pairing code hearth sim printed
//   node docs/matter-commission.mjs 3497-011-2332 --set 2250 # ... and write 22.5 °C to each air conditioner
//   node docs/matter-commission.mjs 3497-011-2332 --at 127.0.0.1:5540   # at this address: no mDNS discovery
//
// The controller keeps its fabric in ./.matter-controller (delete it to start over).
import { config } from "@matter/nodejs/config";

config.loadProcessArgv = false; // our arguments are ours, not matter.js's settings
config.defaultStoragePath = ".matter-controller";
const { ControllerBehavior, Logger, LogLevel, ServerNode, Seconds } = await import("@matter/main");

const [pairingCode, ...rest] = process.argv.slice(2);
const option = (name) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
const [setpoint, at] = [option("--set"), option("--at")];
if (pairingCode === undefined || !/^[\d-]{11,}$/.test(pairingCode) || (at !== undefined && !/^[\d.]+:\d+$/.test(at))) {
  console.error("usage: node docs/matter-commission.mjs MANUAL-PAIRING-CODE [--set CENTI-DEGREES] [--at IP:PORT]");
  process.exit(2);
}
const { ManualPairingCodeCodec } = await import("@matter/main/types");
Logger.level = LogLevel.WARN;
const controller = await ServerNode.create(ServerNode.RootEndpoint.with(ControllerBehavior), { id: "hand-controller", network: { port: 0 }, commissioning: { enabled: false } });
await controller.start();
const started = performance.now();
async function commission() {
  const code = pairingCode.replace(/-/g, "");
  if (at === undefined) return controller.peers.commission({ pairingCode: code, timeout: Seconds(60) });
  // A known address: the node is described, not discovered, then commissioned with the code's passcode.
  const [ip, port] = at.split(":");
  const { passcode, shortDiscriminator } = ManualPairingCodeCodec.decode(code);
  const node = await controller.peers.forDescriptor({ addresses: [{ type: "udp", ip, port: Number(port) }], deviceIdentifier: `at-${at}` });
  await node.commission({ passcode, timeout: Seconds(60) });
  void shortDiscriminator;
  return node;
}
const peer = [...controller.peers].find((p) => p.state.commissioning.peerAddress !== undefined) ?? (await commission());
console.log(`commissioned in ${Math.round(performance.now() - started)} ms`);
const deadline = Date.now() + 10_000;
const bridged = () => [...peer.endpoints].filter((e) => e.maybeStateOf("bridgedDeviceBasicInformation") !== undefined);
while (bridged().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
for (const ep of bridged()) {
  const info = ep.stateOf("bridgedDeviceBasicInformation");
  const types = ep.stateOf("descriptor").deviceTypeList.map((d) => `0x${d.deviceType.toString(16)}`);
  console.log(`endpoint ${ep.number}: ${info.serialNumber} (${info.productName}), device types ${types.join(" ")}, reachable ${info.reachable}`);
  if (setpoint !== undefined && ep.maybeStateOf("thermostat") !== undefined) {
    await ep.setStateOf("thermostat", { occupiedCoolingSetpoint: Number(setpoint) });
    console.log(`  wrote occupiedCoolingSetpoint ${setpoint}`);
  }
}
await controller.close();
process.exit(0);
