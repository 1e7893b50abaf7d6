import { sha256 } from "@noble/hashes/sha2.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_BOARDS, type DevBoard } from "../../boards/dev/index.js";
import { concat, HEADER_BYTES, type Image } from "../../os/boot/image.js";
import { buildImage } from "../../os/boot/signing.js";
import { Cloud } from "../../sdk/cloud/index.js";
import type { Rollout } from "../../sdk/cloud/rollout.js";
import { decodeMessage, encodeMessage, OtaPhase, type Message } from "../../sdk/protocol/envelope.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { HEARTH_LAYOUT, moddableUpdateImage, writeModdableProject, writeModdableUpdate } from "../../sdk/desk/node/tools/moddable.js";
import { sht3xCrc } from "../../sdk/device/drivers/sht3x.js";
import { airconModel } from "../../examples/aircon/model.js";
import type { FakeFlash } from "../support/fake-esp32.js";
import { attachBroker, FakeDevBoard } from "../support/moddable-board.js";
import { modArchive, moddableSource, moddableTools, type ModdableTools } from "../support/moddable-sdk.js";
import { keys, otherKeys } from "../support/ota.js";

/**
 * Signed updates on an ESP32 dev board, end to end: the export `hearth build --target moddable`
 * writes, on the fake ESP32 over the partitions its partitions.csv declares, takes an update
 * whose bundle is a mod archive Moddable's own mcrun and xsl built (here, from the vendored SDK),
 * through the firmware's update client and the boot rules of os/boot that hearth-boot runs
 * (sdk/device/runtime/mod-boot.ts), served by Hearth's cloud as any update is. What the fake
 * cannot show is what XS does with the archive once it is in its partition (map it at boot, run
 * it): hal/moddable/README.md, "Updates", says what only a board can.
 */
const source = moddableSource();
const BOARD = DEV_BOARDS["esp32-devkitc"] as DevBoard;
const DEVICE = "dev-1";
const PROVISIONING = { deviceId: DEVICE, host: "broker.example", port: 1883, user: DEVICE, password: "v1.0.abc" };
const work = mkdtempSync(join(tmpdir(), "hearth-moddable-update-"));
let tools: ModdableTools;
let out: string;
/** The program's image (firmware 1.0.0, security counter 2) and the new firmware's (1.0.1, counter 2) as mcrun compiled it. */
let factory: Image;
let next: Image;
let archive: Uint8Array;
/** The update: the archive, signed for this board. */
let update: Image;
/** A second update after it (firmware 1.0.2), the same way. */
let next2: Image;
let archive2: Uint8Array;
let update2: Image;
/** The flash of a board that has booted its program once (the program's image installed in a slot), to start each test from. */
let booted: FakeFlash;

function copyFlash(flash: FakeFlash): FakeFlash {
  return new Map([...flash].map(([name, bytes]) => [name, bytes.slice()]));
}

/** A board, its broker and cloud, and what the device sends; `flash` the partitions to start from. */
async function rig(flash: FakeFlash = copyFlash(booted), o: { xsMaps2?: boolean } = {}) {
  const board = new FakeDevBoard(out, flash);
  board.addMod(archive, next.bundle);
  // The second update's archive, unless XS is to fail to map it (as an archive built for another XS).
  if (o.xsMaps2 !== false) board.addMod(archive2, next2.bundle);
  // One hop of a message per turn of the event loop: the board's time passes while an update downloads.
  const broker = new MemoryBroker((fn) => void setImmediate(fn));
  attachBroker(board, broker, DEVICE);
  board.onBoot = ((attach) => (esp) => {
    attach?.(esp);
    // The air conditioner's room sensor (an SHT3x): 25 °C, 50 %.
    esp.i2c.set(0x44, Uint8Array.of(0x66, 0x66, sht3xCrc(0x66, 0x66), 0x80, 0x00, sht3xCrc(0x80, 0x00)));
  })(board.onBoot);
  const cloud = new Cloud(broker.transport("cloud"), [airconModel]);
  // Everything the device sends, as the broker routes it.
  const uplink: Message[] = [];
  const routed = broker as unknown as { route(topic: string, payload: Uint8Array): void };
  const route = routed.route.bind(broker);
  routed.route = (topic, payload) => {
    if (topic === `h/${DEVICE}/u`) uplink.push(decodeMessage(payload));
    route(topic, payload);
  };
  await cloud.start();
  await board.boot();
  const hellos = (): string[] => uplink.flatMap((m) => (m.type === "hello" ? [m.firmware] : []));
  let elapsed = 0;
  /** Runs until `done` or `ms` of the board's time. */
  const until = async (done: () => boolean, ms: number): Promise<void> => {
    for (let t = 0; t < ms && !done(); t += 100) {
      await board.advance(100);
      elapsed += 100;
    }
  };
  /** The board's time so far, across its restarts. */
  const clock = (): number => elapsed;
  return { board, broker, cloud, uplink, hellos, until, clock };
}

/** The boot state's region and XS's mod partition: what a refused update must leave as it was. */
function untouched(flash: FakeFlash): { boot: Uint8Array; xs: Uint8Array } {
  const hearth = flash.get("hearth") as Uint8Array;
  return { boot: hearth.slice(HEARTH_LAYOUT.boot.offset, HEARTH_LAYOUT.boot.offset + HEARTH_LAYOUT.boot.size), xs: (flash.get("xs") as Uint8Array).slice() };
}

function slotBytes(flash: FakeFlash, slot: "slotA" | "slotB", length: number): Uint8Array {
  const at = HEARTH_LAYOUT[slot].offset;
  return (flash.get("hearth") as Uint8Array).slice(at, at + length);
}

function phase(rollout: Rollout): string | undefined {
  return rollout.devices.get(DEVICE)?.phase;
}

/**
 * An update server that sends whatever bytes it is given, checking nothing (Hearth's cloud reads
 * an image's header before it offers one): the device must refuse a bad image by itself.
 */
function rawServer(broker: MemoryBroker) {
  const transport = broker.transport("raw-server");
  const heard: Message[] = [];
  let bytes: Uint8Array = new Uint8Array(0);
  let id = 0;
  let seq = 1_000_000;
  const send = (m: Message): void => transport.publish(`h/${DEVICE}/d`, encodeMessage(m));
  transport.start({
    up: () => transport.subscribe(`h/${DEVICE}/u`),
    down: () => undefined,
    message: (_topic, payload) => {
      const m = decodeMessage(payload);
      heard.push(m);
      if (m.type === "otaFetch" && m.id === id) send({ type: "otaChunk", seq: seq++, id, offset: m.offset, data: bytes.slice(m.offset, m.offset + m.length) });
    },
  });
  return {
    offer(image: Uint8Array, version: string, updateId: number): number {
      bytes = image;
      id = updateId;
      const offer = seq++;
      send({ type: "otaOffer", seq: offer, id, version, size: image.length, sha256: sha256(image) });
      return offer;
    },
    /** The device's last word on the offer: its refusal of the offer, or its last status. */
    outcome(offer: number): { phase: string; detail: string } | undefined {
      for (const m of [...heard].reverse()) {
        if (m.type === "error" && m.ref === offer) return { phase: "refused", detail: m.detail };
        if (m.type === "otaStatus" && m.id === id && m.phase !== OtaPhase.downloading) return { phase: (Object.keys(OtaPhase) as OtaPhase[]).find((k) => OtaPhase[k] === m.phase) ?? "?", detail: m.detail };
      }
      return undefined;
    },
  };
}

describe.skipIf(source === undefined)("signed updates on the dev board: a mod archive Moddable's tools built, checked as the H1 checks an image", () => {
  beforeAll(async () => {
    tools = await moddableTools(source as string);
    if (tools.builtIn !== undefined) console.log(`moddable-update: host tools built in ${tools.builtIn.toFixed(1)} s`);
    const built = await buildFirmware({ entry: "examples/aircon", board: BOARD.id, version: [1, 0, 0], securityCounter: 2, secretKey: keys.secretKey, devBoard: BOARD });
    factory = built.image;
    out = join(work, "aircon");
    await writeModdableProject(out, factory, BOARD, built.devWiring, PROVISIONING, keys.publicKey);
    next = (await buildFirmware({ entry: "examples/aircon", board: BOARD.id, version: [1, 0, 1], securityCounter: 2, secretKey: keys.secretKey, devBoard: BOARD })).image;
    const mod = join(work, "update");
    writeModdableUpdate(mod, next);
    archive = await modArchive(tools, mod, "esp32");
    update = moddableUpdateImage(archive, { board: BOARD.id, version: [1, 0, 1], securityCounter: 2 }, keys.secretKey);
    next2 = (await buildFirmware({ entry: "examples/aircon", board: BOARD.id, version: [1, 0, 2], securityCounter: 2, secretKey: keys.secretKey, devBoard: BOARD })).image;
    const mod2 = join(work, "update2");
    writeModdableUpdate(mod2, next2);
    archive2 = await modArchive(tools, mod2, "esp32");
    update2 = moddableUpdateImage(archive2, { board: BOARD.id, version: [1, 0, 2], securityCounter: 2 }, keys.secretKey);
    // A board's first boot: hearth-boot puts the program's image in a slot, confirmed.
    const first = new FakeDevBoard(out);
    await first.boot();
    await first.advance(1_000);
    booted = copyFlash(first.partitions);
  }, 15 * 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("the first boot installs the program's own image in a slot, confirmed, as a factory does on the H1", () => {
    expect(slotBytes(booted, "slotB", factory.bytes.length)).toEqual(factory.bytes);
    expect(new TextDecoder().decode((booted.get("xs") as Uint8Array).subarray(4, 8))).not.toBe("XS_A");
  });

  it("an update reaches the export as the archive's real bytes: downloaded, checked, staged in a slot, copied into XS's mod partition, run on trial and confirmed", async () => {
    const { board, cloud, hellos, until } = await rig();
    await until(() => hellos().length > 0, 10_000);
    expect(hellos()).toEqual(["1.0.0"]);
    const rollout = cloud.rollout({ image: update.bytes, devices: [DEVICE] });
    await until(() => phase(rollout) === "done" || phase(rollout) === "failed", 120_000);
    expect(rollout.devices.get(DEVICE)).toMatchObject({ phase: "done" });
    expect(hellos().at(-1)).toBe("1.0.1");
    // The boots: the program's, then (installed) the one that copied the archive into XS's partition, then the mod's.
    expect(board.boots).toBe(3);
    expect(board.esp.traces.some((t) => /firmware 1\.0\.1 confirmed/.test(t))).toBe(true);
    // The slot the program's image was not in holds the update, byte for byte: the signed archive.
    expect(slotBytes(board.partitions, "slotA", update.bytes.length)).toEqual(update.bytes);
    expect(slotBytes(board.partitions, "slotA", update.bytes.length).subarray(HEADER_BYTES, HEADER_BYTES + archive.length)).toEqual(archive);
    expect((board.partitions.get("xs") as Uint8Array).subarray(0, archive.length)).toEqual(archive);
    // Booted again, it runs the update without copying anything.
    const xs = (board.partitions.get("xs") as Uint8Array).slice();
    const boots = board.boots;
    await board.boot();
    await until(() => hellos().length > 3, 10_000);
    expect(board.boots).toBe(boots + 1);
    expect(hellos().at(-1)).toBe("1.0.1");
    expect(board.partitions.get("xs")).toEqual(xs);
    await cloud.stop();
  }, 180_000);

  it("a second update after the first: each confirmed in turn, and the program's image does not come back over them (it went into the idle slot, over the second)", async () => {
    const { board, cloud, hellos, until } = await rig();
    await until(() => hellos().length > 0, 10_000);
    for (const [image, version] of [[update, "1.0.1"], [update2, "1.0.2"]] as const) {
      const rollout = cloud.rollout({ image: image.bytes, devices: [DEVICE] });
      await until(() => phase(rollout) === "done" || phase(rollout) === "failed", 120_000);
      expect(rollout.devices.get(DEVICE), version).toMatchObject({ phase: "done" });
      expect(hellos().at(-1)).toBe(version);
    }
    const boots = board.boots;
    await board.boot();
    await until(() => board.boots > boots && hellos().length > 0 && hellos().at(-1) === "1.0.2", 10_000);
    expect(hellos().at(-1)).toBe("1.0.2");
    expect(board.esp.traces.filter((t) => /the program's image .* installed in a slot/.test(t))).toEqual([]);
    expect(slotBytes(board.partitions, "slotB", update2.bytes.length)).toEqual(update2.bytes);
    await cloud.stop();
  }, 240_000);

  it("an archive XS cannot map fails its trial at once and goes back, copied once: XS's mark erased its first sector, and the rest of it says which archive it was", async () => {
    const { board, cloud, hellos, until } = await rig(copyFlash(booted), { xsMaps2: false });
    await until(() => hellos().length > 0, 10_000);
    const rollout = cloud.rollout({ image: update2.bytes, devices: [DEVICE] });
    await until(() => phase(rollout) === "done" || phase(rollout) === "failed", 60_000);
    expect(rollout.devices.get(DEVICE)).toMatchObject({ phase: "failed" });
    expect(hellos().at(-1)).toBe("1.0.0");
    // The program's boot, the one that copied the archive, the one XS could not map it on (its trial over), the program's again.
    expect(board.boots).toBeLessThanOrEqual(4);
    // And it stays there: no more copies, no more restarts.
    const boots = board.boots;
    await until(() => board.boots > boots, 30_000);
    expect(board.boots).toBe(boots);
    await cloud.stop();
  }, 120_000);

  it("a tampered or wrong update is refused with the check it fails, and nothing changes: not the boot state, not XS's mod partition, not the firmware that runs", async () => {
    const flipped = update.bytes.slice();
    flipped[HEADER_BYTES + 1000] = (flipped[HEADER_BYTES + 1000] as number) ^ 0x01;
    const variants: { name: string; bytes: Uint8Array; refused: RegExp }[] = [
      { name: "a byte of the archive flipped", bytes: flipped, refused: /^image refused \(hash-mismatch\)/ },
      { name: "for another board", bytes: moddableUpdateImage(archive, { board: "esp32-s3-devkitc-1", version: [1, 0, 1], securityCounter: 2 }, keys.secretKey).bytes, refused: /^image refused \(wrong-board\)/ },
      { name: "a lower security counter", bytes: moddableUpdateImage(archive, { board: BOARD.id, version: [1, 0, 1], securityCounter: 1 }, keys.secretKey).bytes, refused: /^image refused \(rolled-back\)/ },
      { name: "signed with another key", bytes: moddableUpdateImage(archive, { board: BOARD.id, version: [1, 0, 1], securityCounter: 2 }, otherKeys.secretKey).bytes, refused: /^image refused \(bad-signature\)/ },
      { name: "truncated", bytes: update.bytes.subarray(0, update.bytes.length - 100), refused: /^image refused \(truncated\)/ },
      { name: "with bytes after its signature", bytes: concat(update.bytes, new Uint8Array(16)), refused: /^image refused \(size-mismatch\)/ },
      { name: "larger than a slot", bytes: concat(update.bytes, new Uint8Array(HEARTH_LAYOUT.slotA.size)), refused: /does not fit slot/ },
    ];
    const before = untouched(booted);
    for (const [i, variant] of variants.entries()) {
      const { board, broker, hellos, until, cloud } = await rig();
      await until(() => hellos().length > 0, 10_000);
      const server = rawServer(broker);
      await board.advance(200);
      const offer = server.offer(variant.bytes, "1.0.1", 100 + i);
      await until(() => server.outcome(offer) !== undefined, 120_000);
      const outcome = server.outcome(offer);
      expect(outcome?.phase, variant.name).toBe(variant.name === "larger than a slot" ? "refused" : "failed");
      expect(outcome?.detail, variant.name).toMatch(variant.refused);
      // Nothing changed: the boot state, XS's partition; a restart runs the program's image as before.
      expect(untouched(board.partitions), variant.name).toEqual(before);
      await board.boot();
      await until(() => hellos().length > 1, 10_000);
      expect(hellos(), variant.name).toEqual(["1.0.0", "1.0.0"]);
      expect(board.esp.traces, variant.name).toContain("info boot: boot: slot B: firmware 1.0.0, security counter 2");
      await cloud.stop();
    }
  }, 300_000);

  it("a download cut by a power failure resumes where flash says it stopped, and the update completes", async () => {
    const { board, cloud, uplink, hellos, until } = await rig();
    await until(() => hellos().length > 0, 10_000);
    const rollout = cloud.rollout({ image: update.bytes, devices: [DEVICE] });
    const fetched = (): number[] => uplink.flatMap((m) => (m.type === "otaFetch" ? [m.offset] : []));
    await until(() => (fetched().at(-1) ?? 0) > update.bytes.length / 2, 60_000);
    const reached = Math.max(...fetched());
    const cut = fetched().length;
    // The power fails: the chip starts again from its flash alone.
    await board.boot();
    await until(() => phase(rollout) === "done" || phase(rollout) === "failed", 120_000);
    expect(rollout.devices.get(DEVICE)).toMatchObject({ phase: "done" });
    const resumedAt = fetched()[cut] as number;
    expect(resumedAt, "the first fetch after the cut").toBeGreaterThan(0);
    expect(resumedAt % 4096, "from a sector's start").toBe(0);
    expect(resumedAt).toBeLessThanOrEqual(reached);
    expect(reached - resumedAt, "at most the sector being written, and the window in flight, again").toBeLessThan(4096 + 4 * 1024);
    expect(hellos().at(-1)).toBe("1.0.1");
    expect(slotBytes(board.partitions, "slotA", update.bytes.length)).toEqual(update.bytes);
    await cloud.stop();
  }, 180_000);

  it("an update that never confirms (its cloud unreachable) is left at the restart its trial ends with: the program's image runs again, and says why", async () => {
    const { board, broker, cloud, hellos, until, clock } = await rig();
    await until(() => hellos().length > 0, 10_000);
    const rollout = cloud.rollout({ image: update.bytes, devices: [DEVICE] });
    await until(() => phase(rollout) === "installing", 60_000);
    // The new image will never reach its cloud.
    broker.stop();
    await until(() => board.boots === 3, 30_000);
    expect(board.esp.traces.some((t) => /trial: trying the new image in slot A/.test(t))).toBe(true);
    const trial = clock();
    // Its trial ends after 10 minutes: a restart, and the boot goes back.
    await until(() => board.boots === 4, 11 * 60_000);
    expect(clock() - trial).toBeGreaterThanOrEqual(600_000);
    expect(clock() - trial).toBeLessThan(601_000);
    expect(board.esp.traces).toContain("info boot: revert: image in slot A was tried and not confirmed; back to slot B");
    broker.start();
    await until(() => phase(rollout) === "failed", 30_000);
    expect(rollout.devices.get(DEVICE)).toMatchObject({ phase: "failed", detail: expect.stringMatching(/firmware 1\.0\.1 did not confirm; back on 1\.0\.0/) });
    expect(hellos().at(-1)).toBe("1.0.0");
    // Restarted again, it runs the program's image: the update is not tried twice.
    await board.boot();
    await until(() => hellos().length > 3, 10_000);
    expect(hellos().at(-1)).toBe("1.0.0");
    await cloud.stop();
  }, 300_000);

  it("a signed image that is not a mod archive (an H1-style JavaScript bundle) is taken as it is checked, and fails its trial at once: it cannot run as a mod", async () => {
    const { board, cloud, hellos, until } = await rig();
    await until(() => hellos().length > 0, 10_000);
    // Another build of the firmware (the program's own bundle would run: the program has it preloaded).
    const bundle = buildImage({ board: BOARD.id, version: [1, 0, 1], securityCounter: 2 }, concat(next.bundle, new TextEncoder().encode("\n// another build\n")), keys.secretKey);
    const rollout = cloud.rollout({ image: bundle.bytes, devices: [DEVICE] });
    await until(() => phase(rollout) === "failed" || phase(rollout) === "done", 120_000);
    expect(rollout.devices.get(DEVICE)).toMatchObject({ phase: "failed", detail: expect.stringMatching(/did not confirm; back on 1\.0\.0/) });
    expect(board.esp.traces.some((t) => /revert: image in slot A was tried and not confirmed/.test(t))).toBe(true);
    expect(hellos().at(-1)).toBe("1.0.0");
    await cloud.stop();
  }, 180_000);
});
