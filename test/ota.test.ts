import { describe, expect, it } from "vitest";
import { OtaPhase } from "../sdk/link/envelope.js";
import { airconImage, factoryFlash, otaSetup } from "./support/ota.js";

const phases = (uplink: { type: string; phase?: number }[]) =>
  uplink.filter((m) => m.type === "otaStatus").map((m) => Object.keys(OtaPhase)[m.phase as number]);

describe("over-the-air update of the air conditioner (virtual time)", () => {
  it("downloads in chunks, verifies, waits for the compressor to rest, reboots on trial and confirms after reaching the cloud", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = otaSetup(factoryFlash(v1));
    await t.run(5_000);
    expect(t.sim.firmware).toBe("1.0.0");
    const device = t.cloud.device("ac-1", (await import("../examples/aircon/model.js")).airconModel);
    await t.settle(device.set({ power: true, mode: "cool", target: 18 })); // a warm room: the compressor will run
    await t.run(5 * 60_000, () => t.sim.device.get("compressor")); // after its 3 min rest from power-up
    expect(t.sim.device.get("compressor")).toBe(true);

    const rollout = t.cloud.rollout({ image: v2.bytes, devices: ["ac-1"], id: 77 });
    let compressorAtInstall: boolean | undefined;
    rollout.onProgress((_, u) => {
      if (u.phase === "installing" && compressorAtInstall === undefined) compressorAtInstall = t.sim.device.get("compressor");
    });
    await t.run(30_000, () => rollout.devices.get("ac-1")?.phase === "ready");
    expect(rollout.devices.get("ac-1")?.phase).toBe("ready");
    // The room is still too warm: the compressor keeps running, so the update waits.
    expect(t.sim.firmware).toBe("1.0.0");
    await t.settle(device.set({ power: false }));
    await t.run(30 * 60_000, () => rollout.devices.get("ac-1")?.phase === "done");

    expect(rollout.summary()).toMatchObject({ selected: 1, done: 1, failed: 0 });
    expect(compressorAtInstall).toBe(false);
    expect(t.sim.firmware).toBe("1.1.0");
    expect(t.sim.resets.map((r) => r.reason)).toEqual(["software"]);
    expect(t.sim.bootloader?.onTrial).toBe(false);
    expect(t.sim.bootloader?.securityCounter).toBe(2);
    expect(phases(t.uplink)).toEqual(["downloading", "ready", "installing", "done"]);
    const hello = t.uplink.filter((m) => m.type === "hello").map((m) => (m as { firmware: string }).firmware);
    expect(hello).toEqual(["1.0.0", "1.1.0"]);
    const slot = t.sim.bootloader?.activeSlot ?? "A";
    expect(Array.from(t.sim.bootloader?.readSlot(slot) ?? [])).toEqual(Array.from(v2.bytes));
    await t.cloud.stop();
  });
});
