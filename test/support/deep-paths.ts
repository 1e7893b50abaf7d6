import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { VirtualClock } from "../../os/virtual-clock.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { XsMcu } from "../../sdk/desk/node/xs/xs-mcu.js";
import type { McuFactory } from "../../sdk/desk/sim/image-mcu.js";
import { userSettings } from "../../sdk/desk/sim/app.js";
import { ImageBoard } from "../../sdk/desk/sim/image-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { type APPLIANCES, exampleImage, loadExample } from "./engine-trace.js";
import { keys } from "./ota.js";
import { virtualTime } from "./virtual-time.js";

export interface StackRun {
  /** A hash of every change of level at the chip's pins, with its time: what the appliance did (the cloud's ids are random, its pins are not). */
  pins: string;
  /** Why the image stopped, each time it did (a stack overflow among them if the stack was too small). */
  crashes: string[];
  /** The update's end on the cloud's side ("done" when the new image booted and confirmed). */
  update: string | undefined;
  /** The firmware running at the end. */
  firmware: string | undefined;
}

const updates = new Map<string, Promise<Uint8Array>>();
/** The same example one patch version up, signed with a higher security counter: what the update path installs. */
function updateImage(name: (typeof APPLIANCES)[number]): Promise<Uint8Array> {
  let image = updates.get(name);
  if (image === undefined) {
    const app = loadExample(name);
    const [major, minor, patch] = app.firmwareVersion.split(".").map(Number) as [number, number, number];
    image = buildFirmware({ entry: `examples/${name}`, board: app.boardId, version: [major, minor, patch + 1], securityCounter: 2, secretKey: keys.secretKey }).then((r) => r.image.bytes);
    updates.set(name, image);
  }
  return image;
}

/**
 * The appliance's image on XS with a stack of `stackSlots`, along the paths
 * that go deepest: boot (mount, services, the link), the cloud's settings,
 * an hour of work, then an update from the cloud (download into the other
 * slot, signature check, trial boot of the new image, its confirmation) and
 * ten minutes on the new image.
 */
export async function bootAndUpdateOnXs(name: (typeof APPLIANCES)[number], stackSlots: number): Promise<Omit<StackRun, "pins">> {
  const { pins: _, ...run } = await bootAndUpdate(name, (hooks) => new XsMcu({ stackSlots }, hooks));
  return run;
}

/** The same paths on any image engine. */
export async function bootAndUpdate(name: (typeof APPLIANCES)[number], mcu: McuFactory): Promise<StackRun> {
  const app = loadExample(name);
  const [image, update] = await Promise.all([exampleImage(name, app), updateImage(name)]);
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const hasher = sha256.create();
  const flash = new SimFlash(H1.flash);
  installConfirmed(flash, { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") }, keys.publicKey, app.boardId, verifyEd25519, image);
  const board = new ImageBoard(app, {
    clock,
    seed: 7,
    flash,
    publicKey: keys.publicKey,
    network: { transport: () => broker.transport("dev-1"), deviceId: "dev-1" },
    mcu,
  });
  let done = false;
  board.h1.watch((pin) => done || hasher.update(new TextEncoder().encode(`${clock.now()} ${pin} ${board.h1.level(pin)}\n`)));
  const cloud = new Cloud(broker.transport("cloud"), [app.model], () => 1_800_000_000_000 + clock.now());
  void cloud.start();
  const { run: runFor } = virtualTime(clock);
  // Stops at the first crash: a stack too small for boot would otherwise boot-loop for the whole run.
  const run = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0 && board.crashes.length === 0; left -= 10_000) await runFor(Math.min(left, 10_000));
  };
  await run(10_000);
  void cloud.device("dev-1", app.model).set(userSettings(app) as never, { timeoutMs: 60_000 }).catch(() => undefined);
  await run(3_600_000);
  const rollout = cloud.rollout({ image: update, devices: ["dev-1"], id: 77 });
  await run(600_000);
  const result: StackRun = { crashes: board.crashes.map((c) => c.cause), update: rollout.devices.get("dev-1")?.phase, firmware: board.firmware, pins: Buffer.from(hasher.digest()).toString("hex") };
  done = true;
  await cloud.stop();
  board.powerOff();
  return result;
}
