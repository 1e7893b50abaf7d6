#!/usr/bin/env node
// Commissions a Matter bridge (hearth sim APP --matter) by hand, from a matter.js controller on this
// machine's network, and lists what it bridges. Only matter.js's API: no Hearth code.
//
//   node docs/matter-commission.mjs 3497-011-2332            # the manual pairing code hearth sim printed
//   node docs/matter-commission.mjs 3497-011-2332 --set 2250 # ... and write 22.5 °C to each air conditioner
//
// The controller keeps its fabric in ./.matter-controller (delete it to start over).
import { config } from "@matter/nodejs/config";

config.loadProcessArgv = false; // our arguments are ours, not matter.js's settings
config.defaultStoragePath = ".matter-controller";
const { Logger, LogLevel, ServerNode, Seconds } = await import("@matter/main");

const [pairingCode, flag, value] = process.argv.slice(2);
if (pairingCode === undefined || !/^[\d-]{11,}$/.test(pairingCode)) {
  console.error("usage: node docs/matter-commission.mjs MANUAL-PAIRING-CODE [--set CENTI-DEGREES]");
  process.exit(2);
}
Logger.level = LogLevel.WARN;
const controller = await ServerNode.create({ id: "hand-controller", network: { port: 0 }, commissioning: { enabled: false } });
await controller.start();
const started = performance.now();
const peer = [...controller.peers][0] ?? (await controller.peers.commission({ pairingCode: pairingCode.replace(/-/g, ""), timeout: Seconds(60) }));
console.log(`commissioned in ${Math.round(performance.now() - started)} ms`);
const deadline = Date.now() + 10_000;
const bridged = () => [...peer.endpoints].filter((e) => e.maybeStateOf("bridgedDeviceBasicInformation") !== undefined);
while (bridged().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
for (const ep of bridged()) {
  const info = ep.stateOf("bridgedDeviceBasicInformation");
  const types = ep.stateOf("descriptor").deviceTypeList.map((d) => `0x${d.deviceType.toString(16)}`);
  console.log(`endpoint ${ep.number}: ${info.serialNumber} (${info.productName}), device types ${types.join(" ")}, reachable ${info.reachable}`);
  if (flag === "--set" && ep.maybeStateOf("thermostat") !== undefined) {
    await ep.setStateOf("thermostat", { occupiedCoolingSetpoint: Number(value) });
    console.log(`  wrote occupiedCoolingSetpoint ${value}`);
  }
}
await controller.close();
process.exit(0);
