import { describe, expect, it } from "vitest";
import { airconModel } from "../../examples/aircon/model.js";
import { HOSTS, hostAircon } from "../support/hosts.js";
import { airconImage, factoryFlash } from "../support/ota.js";

const MIN = 60_000;

describe("the air conditioner from its image, on the Node host and on the embedded host (QuickJS)", () => {
  for (const host of HOSTS) {
    it(`${host}: cools the room to a target set from the cloud, holds it without short-cycling, and self-cleans on command`, async () => {
      const image = await airconImage([1, 0, 0], 1);
      const t = await hostAircon(host, factoryFlash(image));
      await t.run(5_000);
      expect(t.firmware()).toBe("1.0.0");
      const device = t.cloud.device("ac-1", airconModel);
      await t.settle(device.set({ power: true, mode: "cool", target: 22 }));
      // The compressor's switching, as the cloud saw it in reports.
      const switches: { at: number; on: boolean }[] = [];
      device.onReport((r) => {
        if (r.compressor !== undefined && r.compressor !== switches.at(-1)?.on) switches.push({ at: t.clock.now(), on: r.compressor });
      });
      await t.run(3 * 60 * MIN);
      const room = t.plant.readings()["roomC"] as number;
      expect(Math.abs(room - 22)).toBeLessThanOrEqual(1);
      expect(Math.abs((device.reported.room as number) - 22)).toBeLessThanOrEqual(1);
      expect(switches.filter((s) => s.on).length).toBeGreaterThanOrEqual(2); // it cycles...
      // (the first entry is the state when listening began, not a switch)
      for (let i = 2; i < switches.length; i++) {
        const gap = (switches[i] as { at: number }).at - (switches[i - 1] as { at: number }).at;
        // ...never back on within 3 minutes of stopping (a report may lag a switch by a second)
        if ((switches[i] as { on: boolean }).on) expect(gap).toBeGreaterThanOrEqual(3 * MIN - 2_000);
      }
      const result = await t.settle(device.invoke("selfClean", { dryMinutes: 5 }, { timeoutMs: 60_000, deadlineMs: 60 * MIN }));
      expect(result.coilMinC).toBeLessThanOrEqual(-5);
      expect(t.resets()).toEqual([]);
      await t.cloud.stop();
    }, 120_000);
  }
});

describe("the embedded host stops a firmware that misbehaves, and the board comes back", () => {
  it("out of memory: reported as a crash with its cause; the watchdog resets the board; the next boot works", async () => {
    const image = await airconImage([1, 0, 1], 1, { entry: "hog" });
    const t = await hostAircon("embedded", factoryFlash(image));
    const board = t.board as import("../../sdk/desk/sim/quickjs-board.js").QuickJsBoard<typeof airconModel.spec>;
    await t.run(30_000, () => t.resets().length > 0);
    expect(board.crashes[0]?.cause).toMatch(/^out of memory in task \w+ \(limit \d+ bytes: code \d+ \+ data 163840\)/);
    expect(t.resets()[0]?.reason).toBe("watchdog");
    await t.run(10_000);
    expect(t.firmware()).toBe("1.0.1"); // it runs again: the hog allocates only at its first boot
    expect(board.crashes.length).toBe(1);
    expect(board.heap?.peakDataBytes).toBeLessThan(163_840);
    await t.cloud.stop();
  });

  it("a synchronous hang: stopped through the interrupt handler, and the board reboots with reset reason watchdog", async () => {
    const image = await airconImage([1, 0, 2], 1, { entry: "spin" });
    const t = await hostAircon("embedded", factoryFlash(image), { hangMs: 200 });
    await t.run(30_000, () => t.resets().length > 0);
    const board = t.board as import("../../sdk/desk/sim/quickjs-board.js").QuickJsBoard<typeof airconModel.spec>;
    expect(board.crashes[0]?.cause).toMatch(/hung: the call did not return/);
    expect(t.resets().map((r) => r.reason)).toEqual(["watchdog"]);
    await t.run(1_000);
    expect(t.firmware()).toBe("1.0.2");
    await t.cloud.stop();
  });
});

describe("updates on the embedded host", () => {
  it("an update over the air: downloaded, installed, and confirmed by the image running in QuickJS", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = await hostAircon("embedded", factoryFlash(v1));
    await t.run(5_000);
    const rollout = t.cloud.rollout({ image: v2.bytes, devices: ["ac-1"] });
    await t.run(10 * MIN, () => rollout.devices.get("ac-1")?.phase === "done");
    expect(rollout.devices.get("ac-1")).toMatchObject({ phase: "done", detail: "firmware 1.1.0 runs" });
    expect(t.firmware()).toBe("1.1.0");
    expect(t.resets().map((r) => r.reason)).toEqual(["software"]);
    const board = t.board as import("../../sdk/desk/sim/quickjs-board.js").QuickJsBoard<typeof airconModel.spec>;
    expect(board.bootDecisions).toEqual(["trial: trying the new image in slot A", "boot: slot A: firmware 1.1.0, security counter 2"]);
    t.board.reset("powerOn");
    expect(board.bootDecisions).toEqual(["boot: slot A: firmware 1.1.0, security counter 2"]); // confirmed by the image
    await t.cloud.stop();
  }, 60_000);
});
