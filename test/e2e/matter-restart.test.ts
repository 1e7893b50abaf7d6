import "../../sdk/matter/node/configure.js"; // before matter.js loads: its settings are not this process's arguments
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { matterSite } from "../support/matter-site.js";

const dir = mkdtempSync(join(tmpdir(), "hearth-matter-"));
const controllerDir = mkdtempSync(join(tmpdir(), "hearth-matter-controller-"));
let site: Awaited<ReturnType<typeof matterSite>> | undefined;
afterAll(async () => {
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(controllerDir, { recursive: true, force: true });
}, 30_000);

describe("Matter bridge state on disk", () => {
  it("a restarted bridge is still commissioned, with the same pairing code, and its controller reads it again", async () => {
    site = await matterSite({ appliances: [{ app: "aircon", id: "ac-1" }], storageDir: dir, controllerDir });
    const code = site.bridge.pairing.manualPairingCode;
    await site.commission();
    expect(site.bridge.commissioned).toBe(true);
    const restarted = await site.restartBridge();
    expect(restarted.commissioned).toBe(true);
    expect(restarted.pairing.manualPairingCode).toBe(code);
    // The controller comes back too (from its own storage: both ends restarted) and reaches the device through the bridge on the kept fabric.
    const controller = await site.restartController();
    const peer = [...controller.peers][0]!;
    await site.until(() => [...peer.endpoints].some((e) => e.maybeStateOf("bridgedDeviceBasicInformation") !== undefined), 30_000);
    const ep = [...peer.endpoints].find((e) => (e.maybeStateOf("bridgedDeviceBasicInformation") as { serialNumber?: string } | undefined)?.serialNumber === "ac-1");
    expect(ep).toBeDefined();
    await ep!.setStateOf("thermostat", { occupiedCoolingSetpoint: 2250 });
    await site.until(() => (site!.boards.get("ac-1")?.device as unknown as { get(n: string): unknown }).get("target") === 22.5, 30_000);
  }, 90_000);
});
