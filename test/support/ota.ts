import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import type { Image } from "../../os/boot/image.js";
import { newKeyPair, verifyEd25519 } from "../../os/boot/signing.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import type { Message } from "../../sdk/protocol/envelope.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { loadBundle } from "../../sdk/desk/node/host/load-bundle.js";
import type { UpdateClientOptions } from "../../sdk/device/ota/update-client.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { HostEngineBoard, type FlashLayout } from "../../sdk/desk/sim/host-engine-board.js";
import { app } from "../../examples/aircon/app.js";
import { virtualTime } from "./virtual-time.js";
import { airconModel } from "../../examples/aircon/model.js";

export const keys = newKeyPair(new Uint8Array(32).fill(11));
export const otherKeys = newKeyPair(new Uint8Array(32).fill(12));
export const BOARD = "aircon-indoor";
export const EPOCH = 1_800_000_000_000;

const built = new Map<string, Promise<Image>>();

/** A signed image of the air conditioner (or a test firmware in support/ota-firmware), built once per run. */
export function airconImage(version: [number, number, number], counter: number, o: { entry?: string; secretKey?: Uint8Array; board?: string } = {}): Promise<Image> {
  const entry = o.entry === undefined ? "examples/aircon" : `test/support/ota-firmware/${o.entry}.ts`;
  const key = `${entry}/${version.join(".")}/${counter}/${o.board ?? BOARD}/${o.secretKey === undefined ? "k" : "other"}`;
  let image = built.get(key);
  if (image === undefined) {
    image = buildFirmware({ entry, board: o.board ?? BOARD, anyBoard: o.board !== undefined, version, securityCounter: counter, secretKey: o.secretKey ?? keys.secretKey }).then((r) => r.image);
    built.set(key, image);
  }
  return image;
}

/** A second flash layout: 2 KiB sectors, the slots first and the boot partition after them. */
export const altGeometry = { sizeBytes: 384 * 1024, sectorBytes: 2048, programBytes: 16 };
export const altLayout: FlashLayout = {
  slotA: { offset: 0, size: 128 * 1024 },
  slotB: { offset: 128 * 1024, size: 128 * 1024 },
  boot: { offset: 256 * 1024, size: 16 * 1024 },
  kv: { offset: 272 * 1024, size: 64 * 1024 },
  log: { offset: 336 * 1024, size: 48 * 1024 },
};
export const LAYOUTS = [
  { name: "H1 flash map (4 KiB sectors)", geometry: H1.flash, layout: undefined },
  { name: "2 KiB sectors, boot after the slots", geometry: altGeometry, layout: altLayout },
];

/** A flash with `image` in slot A, confirmed, as a factory would leave it (for the air conditioner's board unless `board` says another). */
export function factoryFlash(image: Image, geometry: { sizeBytes: number; sectorBytes: number; programBytes: number } = H1.flash, layout?: FlashLayout, board = BOARD): SimFlash {
  const flash = new SimFlash(geometry);
  const l = layout ?? { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") };
  installConfirmed(flash, l, keys.publicKey, board, verifyEd25519, image.bytes);
  return flash;
}

/** The air conditioner booting from images on a board, a cloud, an in-memory broker, all in virtual time. */
export function otaSetup(flash: SimFlash, o: { layout?: FlashLayout; updates?: UpdateClientOptions; seed?: number } = {}) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  /** The firmware each boot ran: a version, "power-cut" (power failed as it started), or "none" (nothing valid to run). */
  const boots: string[] = [];
  const booted = (): string => sim.firmware ?? (flash.hasPower ? "none" : "power-cut");
  const sim: HostEngineBoard<typeof airconModel.spec> = new HostEngineBoard(app, {
    clock,
    onReset: () => boots.push(booted()),
    seed: o.seed ?? 1,
    flash,
    ...(o.layout === undefined ? {} : { layout: o.layout }),
    images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle, ...(o.updates === undefined ? {} : { updates: o.updates }) },
  });
  boots.push(booted());
  sim.connect(() => broker.transport("ac-1"), "ac-1");
  const cloud = new Cloud(broker.transport("cloud"), [airconModel], () => EPOCH + clock.now());
  const uplink: Message[] = [];
  cloud.onUplink((_, m) => uplink.push(m));
  void cloud.start();
  const { run, settle } = virtualTime(clock, 30_000);
  return { clock, broker, sim, cloud, uplink, run, settle, boots };
}
