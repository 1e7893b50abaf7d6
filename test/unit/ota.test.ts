import { verifyEd25519 } from "../../os/boot/signing.js";
import { describe, expect, it } from "vitest";
import { decodeMessage, OtaPhase } from "../../sdk/protocol/envelope.js";
import { airconImage, factoryFlash, otaSetup, otherKeys } from "../support/ota.js";

const phases = (uplink: { type: string; phase?: number }[]) =>
  uplink.filter((m) => m.type === "otaStatus").map((m) => Object.keys(OtaPhase)[m.phase as number]);

describe("over-the-air update of the air conditioner (virtual time)", () => {
  it("downloads in chunks, verifies, waits for the compressor to rest, reboots on trial and confirms after reaching the cloud", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = otaSetup(factoryFlash(v1));
    await t.run(5_000);
    expect(t.sim.firmware).toBe("1.0.0");
    const device = t.cloud.device("ac-1", (await import("../../examples/aircon/model.js")).airconModel);
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

describe("an update survives interruptions and refuses bad images", () => {
  it("resumes where it stopped after a reboot and after a lost connection", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = otaSetup(factoryFlash(v1), { updates: { window: 1 } });
    await t.run(5_000);
    // A listener of the broker's own sees every fetch the device sends.
    const fetches: number[] = [];
    const spy = t.broker.transport("spy");
    spy.start({ up: () => spy.subscribe("h/ac-1/u"), down: () => undefined, message: (_, p) => {
      const m = decodeMessage(p);
      if (m.type === "otaFetch") fetches.push(m.offset);
    } });
    const rollout = t.cloud.rollout({ image: v2.bytes, devices: ["ac-1"], id: 5 });
    await t.run(30_000, () => (rollout.devices.get("ac-1")?.bytes ?? 0) >= 5 * 1024);
    const beforeReset = rollout.devices.get("ac-1")?.bytes ?? 0;
    expect(beforeReset).toBeLessThan(v2.bytes.length);
    const fetchedBefore = fetches.length;
    t.sim.reset("powerOn");
    await t.run(30_000, () => (rollout.devices.get("ac-1")?.bytes ?? 0) >= 8 * 1024);
    // The device asked again from the last whole sector it had written (4 KiB), not from 0.
    const afterReset = fetches.slice(fetchedBefore);
    expect(afterReset.length).toBeGreaterThan(2);
    expect(afterReset[0]).toBe(4096);
    expect(Math.min(...afterReset)).toBe(4096);
    t.broker.drop("ac-1");
    await t.run(30 * 60_000, () => rollout.devices.get("ac-1")?.phase === "done");
    expect(rollout.summary()).toMatchObject({ done: 1 });
    expect(t.sim.firmware).toBe("1.1.0");
    await t.cloud.stop();
  });

  for (const [entry, how] of [
    ["crash", "crashes as it starts"],
    ["stall", "hangs until the watchdog resets it"],
    ["untested", "never passes its self-test"],
  ] as const) {
    it(`an image that ${how} is reverted after one reset, and the cloud hears why`, async () => {
      const v1 = await airconImage([1, 0, 0], 1);
      const bad = await airconImage([1, 2, 0], 2, { entry });
      const t = otaSetup(factoryFlash(v1), { updates: { trialTimeoutMs: 60_000 } });
      await t.run(5_000);
      const rollout = t.cloud.rollout({ image: bad.bytes, devices: ["ac-1"] });
      await t.run(20 * 60_000, () => rollout.devices.get("ac-1")?.phase === "failed");
      const update = rollout.devices.get("ac-1");
      expect(update?.phase).toBe("failed");
      expect(update?.detail).toMatch(/1\.2\.0 did not confirm; back on 1\.0\.0/);
      expect(t.sim.firmware).toBe("1.0.0");
      expect(t.sim.resets.length).toBe(2); // into the trial, and the reset that ended it
      expect(t.sim.resets[1]?.reason).toBe(entry === "untested" ? "software" : "watchdog");
      expect(t.sim.bootloader?.securityCounter).toBe(1); // an image never confirmed raises nothing
      await t.cloud.stop();
    });
  }

  it("a confirmed image survives 100 reboots", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = otaSetup(factoryFlash(v1));
    await t.run(5_000);
    const rollout = t.cloud.rollout({ image: v2.bytes, devices: ["ac-1"] });
    await t.run(10 * 60_000, () => rollout.devices.get("ac-1")?.phase === "done");
    for (let i = 0; i < 100; i++) {
      t.sim.reset(i % 2 === 0 ? "powerOn" : "watchdog");
      await t.run(300);
      expect(t.sim.firmware).toBe("1.1.0");
    }
    expect(t.sim.bootloader?.decisions.map((d) => d.what)).toEqual(["boot"]);
    await t.cloud.stop();
  });

  for (const [what, make, reason] of [
    ["signed with another key", () => airconImage([1, 1, 0], 2, { secretKey: otherKeys.secretKey }), /bad-signature/],
    ["built for another board", () => airconImage([1, 1, 0], 2, { board: "fridge-main" }), /wrong-board/],
    ["below the security counter", () => airconImage([1, 1, 0], 0), /rolled-back/],
  ] as const) {
    it(`an image ${what} is refused with its reason; the running slot is untouched`, async () => {
      const v1 = await airconImage([1, 0, 0], 1);
      const flash = factoryFlash(v1);
      const t = otaSetup(flash);
      await t.run(5_000);
      const running = t.sim.bootloader?.activeSlot ?? "A";
      const before = t.sim.bootloader?.readSlot(running);
      const rollout = t.cloud.rollout({ image: (await make()).bytes, devices: ["ac-1"] });
      await t.run(5 * 60_000, () => rollout.devices.get("ac-1")?.phase === "failed");
      expect(rollout.devices.get("ac-1")?.detail).toMatch(reason);
      expect(t.sim.firmware).toBe("1.0.0");
      expect(t.sim.resets).toEqual([]);
      expect(t.sim.bootloader?.activeSlot).toBe(running);
      expect(Array.from(t.sim.bootloader?.readSlot(running) ?? [])).toEqual(Array.from(before ?? []));
      await t.cloud.stop();
    });
  }

  it("an oversized offer is refused by the device; a chunk corrupted on the way fails the hash, and nothing is installed", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = otaSetup(factoryFlash(v1));
    await t.run(5_000);
    const huge = new Uint8Array(400 * 1024);
    huge.set(v2.bytes);
    const big = t.cloud.rollout({ image: huge, devices: ["ac-1"] });
    await t.run(60_000, () => big.devices.get("ac-1")?.phase === "failed");
    expect(big.devices.get("ac-1")?.detail).toMatch(/out-of-range: an image of 409600 bytes does not fit slot [AB] \(160\.\.393216\)/);

    const corrupt = v2.bytes.slice();
    const rollout = t.cloud.rollout({ image: v2.bytes, devices: ["ac-1"] });
    // The cloud serves the true image; a flipped byte in flight is what the device must catch.
    corrupt[3000] = (corrupt[3000] as number) ^ 0x40;
    (rollout as unknown as { options: { image: Uint8Array } }).options.image = corrupt;
    await t.run(5 * 60_000, () => rollout.devices.get("ac-1")?.phase === "failed");
    expect(rollout.devices.get("ac-1")?.detail).toMatch(/\(hash-mismatch\): the slot does not hold the image sent \(its SHA-256 differs\)/);
    expect(t.sim.firmware).toBe("1.0.0");
    expect(t.sim.resets).toEqual([]);
    await t.cloud.stop();
  });

  it("an image with bytes appended after its signature is refused over the air, as the serial loader refuses it", async () => {
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const t = otaSetup(factoryFlash(v1));
    await t.run(5_000);
    const padded = new Uint8Array(v2.bytes.length + 64).fill(0x5a);
    padded.set(v2.bytes);
    const rollout = t.cloud.rollout({ image: padded, devices: ["ac-1"] });
    await t.run(5 * 60_000, () => rollout.devices.get("ac-1")?.phase === "failed" || rollout.devices.get("ac-1")?.phase === "done");
    expect(rollout.devices.get("ac-1")?.phase).toBe("failed");
    expect(rollout.devices.get("ac-1")?.detail).toMatch(/\(size-mismatch\): the image is \d+ bytes by its header, not the \d+ sent/);
    expect(t.sim.firmware).toBe("1.0.0");
    expect(t.sim.resets).toEqual([]);
    await t.cloud.stop();
  });
});

describe("staged rollouts", () => {
  it("offers the update to a share of the fleet, grows it on request, and pauses after too many failures", async () => {
    const { VirtualClock } = await import("../../os/virtual-clock.js");
    const { MemoryBroker } = await import("../../sdk/desk/sim/memory-broker.js");
    const { HostEngineBoard } = await import("../../sdk/desk/sim/host-engine-board.js");
    const { Cloud } = await import("../../sdk/cloud/index.js");
    const { loadBundle } = await import("../../sdk/desk/node/host/load-bundle.js");
    const { app } = await import("../../examples/aircon/app.js");
    const { keys } = await import("../support/ota.js");
    const v1 = await airconImage([1, 0, 0], 1);
    const v2 = await airconImage([1, 1, 0], 2);
    const clock = new VirtualClock();
    const broker = new MemoryBroker();
    const ids = Array.from({ length: 20 }, (_, i) => `ac-${i}`);
    const sims = ids.map((id, i) => {
      const sim = new HostEngineBoard(app, { clock, seed: i + 1, flash: factoryFlash(v1), images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle } });
      sim.connect(() => broker.transport(id), id);
      return sim;
    });
    const cloud = new Cloud(broker.transport("cloud"));
    void cloud.start();
    const run = async (ms: number, until?: () => boolean): Promise<void> => {
      const end = clock.now() + ms;
      while (clock.now() < end && !(until?.() ?? false)) {
        clock.runFor(100);
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
    };
    await run(3_000);
    const rollout = cloud.rollout({ image: v2.bytes, devices: ids, share: 0.25, id: 4242 });
    const chosen = [...rollout.devices.keys()];
    expect(chosen.length).toBeGreaterThan(1);
    expect(chosen.length).toBeLessThan(12);
    await run(10 * 60_000, () => rollout.summary().done === chosen.length);
    const running = (v: string): string[] => ids.filter((_, i) => sims[i]?.firmware === v);
    expect(running("1.1.0").sort()).toEqual(chosen.sort());

    rollout.expand(1);
    await run(10 * 60_000, () => rollout.summary().done === ids.length);
    expect(rollout.summary()).toMatchObject({ selected: 20, done: 20, failed: 0 });
    expect(running("1.1.0").length).toBe(20);

    // A broken image: after two failures the rollout stops offering it; the rest are never touched.
    const broken = await airconImage([1, 2, 0], 3, { entry: "crash" });
    const bad = cloud.rollout({ image: broken.bytes, devices: ids, share: 1, maxFailures: 2 });
    await run(20 * 60_000, () => bad.summary().paused && bad.summary().downloading + bad.summary().ready + bad.summary().installing + bad.summary().offered === 0);
    const s = bad.summary();
    expect(s.paused).toBe(true);
    expect(s.failed).toBeGreaterThanOrEqual(2);
    expect(running("1.1.0").length).toBe(20); // every device is back on, or still on, 1.1.0
    await cloud.stop();
  }, 120_000);
});

describe("rollout shares", () => {
  it("a share picks about that fraction of any fleet, the same devices whatever their order, and only grows", async () => {
    const { Rollout } = await import("../../sdk/cloud/rollout.js");
    const image = (await airconImage([1, 1, 0], 2)).bytes;
    const port = { request: () => new Promise<never>(() => undefined), send: () => undefined, online: () => [] };
    const ids = Array.from({ length: 2000 }, (_, i) => `dev-${i}`);
    for (const share of [0.01, 0.1, 0.5]) {
      const chosen = new Rollout(port, { image, devices: ids, share, id: 99 }).start();
      const reversed = new Rollout(port, { image, devices: [...ids].reverse(), share, id: 99 }).start();
      expect(Math.abs(chosen.devices.size - share * ids.length)).toBeLessThan(4 * Math.sqrt(share * ids.length) + 2);
      expect([...reversed.devices.keys()].sort()).toEqual([...chosen.devices.keys()].sort());
      const before = new Set(chosen.devices.keys());
      chosen.expand(share / 2); // never shrinks
      expect(chosen.devices.size).toBe(before.size);
      chosen.expand(Math.min(1, share * 2));
      expect([...before].every((id) => chosen.devices.has(id))).toBe(true);
    }
    expect(() => new Rollout(port, { image, devices: ids, share: 1.5 })).toThrow(/share must be between 0 and 1/);
  });
});

describe("rollouts a device missed", () => {
  it("taken up from the store's progress: done and failed devices are not offered again, and one that had failed maxFailures times stays paused", async () => {
    const { Rollout } = await import("../../sdk/cloud/rollout.js");
    const image = (await airconImage([1, 1, 0], 2)).bytes;
    const offered: string[] = [];
    const port = { request: (d: string) => (offered.push(d), new Promise<never>(() => undefined)), send: () => undefined, online: () => [] };
    const failed = String(OtaPhase.failed);
    const rollout = new Rollout(port, { image, devices: ["a", "b", "c"], id: 5, maxFailures: 1 });
    rollout.resume([
      { deviceId: "a", phase: failed, offset: 0, detail: "verify failed" },
      { deviceId: "b", phase: String(OtaPhase.done), offset: 10, detail: "" },
    ]);
    expect(rollout.summary()).toMatchObject({ failed: 1, done: 1, waiting: 1, paused: true });
    rollout.hello("c", "1.0.0");
    rollout.hello("a", "1.0.0");
    expect(offered).toEqual([]);
    expect(rollout.finished).toBe(false);
  });

  it("a device in two rollouts is offered only the one planned last at its hello: an older one it missed never takes it back", async () => {
    const { Cloud } = await import("../../sdk/cloud/index.js");
    const { encodeMessage } = await import("../../sdk/protocol/envelope.js");
    const { topics } = await import("../../sdk/protocol/transport.js");
    const older = (await airconImage([1, 1, 0], 2)).bytes;
    const newer = (await airconImage([1, 2, 0], 3)).bytes;
    const offers: { version: string }[] = [];
    let events: { message(topic: string, payload: Uint8Array): void; up(): void } | undefined;
    const transport = {
      start: (e: typeof events) => ((events = e), e?.up()),
      publish: (_topic: string, payload: Uint8Array) => {
        const m = decodeMessage(payload);
        if (m.type === "otaOffer") offers.push({ version: m.version });
      },
      subscribe: () => undefined,
      stop: async () => undefined,
    };
    let t = 1_800_000_000_000;
    const cloud = new Cloud(transport as never, [], () => t++);
    await cloud.start();
    cloud.rollout({ image: older, devices: ["dev-1"], id: 1 });
    cloud.rollout({ image: newer, devices: ["dev-1"], id: 2 });
    offers.length = 0; // each offered at its start; the device was away
    events?.message(topics.up("dev-1"), encodeMessage({ type: "hello", seq: 1, firmware: "1.2.0", model: "m", modelHash: new Uint8Array(8), resetReason: 0, bootCount: 2, desiredVersion: 0 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(offers).toEqual([]); // it runs the newer already: done, and the older one is not offered
    events?.message(topics.up("dev-1"), encodeMessage({ type: "hello", seq: 2, firmware: "1.0.0", model: "m", modelHash: new Uint8Array(8), resetReason: 0, bootCount: 3, desiredVersion: 0 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(offers).toEqual([]); // done with the newer: still not the older
    await cloud.stop();
  });
});
