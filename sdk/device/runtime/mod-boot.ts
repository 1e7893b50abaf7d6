import { NativeFlash } from "../../../hal/native-io.js";
import type { ImageEngine, NativeBinding, NativeBootInfo } from "../../../hal/native.js";
import { BootError, Bootloader, installConfirmed, type Slot } from "../../../os/boot/bootloader.js";
import { HEADER_BYTES, headerVersion, ImageError, parseImage, type Image, type SignatureCheck } from "../../../os/boot/image.js";
import { sha256, useChipHash } from "./chip-sha256.js";

/**
 * The boot ROM's part on a chip whose program is built once and whose updates come as Moddable
 * mods (the Moddable target, hal/moddable/README.md "Updates"). The program holds an image
 * preloaded (the factory one) and the boot rules of os/boot, run here unchanged: two slots of
 * signed images in the data partition, a new image tried once and kept only once it confirms,
 * the security counter. A slot's bundle is either the program's own image (known by its
 * SHA-256) or a mod archive built by Moddable's mcrun. XS maps one archive at boot, from its mod
 * partition, in C: so the archive of the slot that is to run is copied there first, and the
 * chip restarts once to map it; an image on trial is marked tried only on the boot that runs it.
 * `hearth build --target moddable` bundles this into the project as hearth-boot.js; main.js calls
 * `bootImage` and nothing else.
 */

/** XS's mod partition (ESP-IDF type 0x40, subtype 1), as the binding opens it (ECMA-419 flash). */
export interface ModPartition {
  readonly size: number;
  readonly blockBytes: number;
  read(offset: number, length: number): ArrayBuffer;
  write(offset: number, data: ArrayBuffer): void;
  eraseBlock(block: number): void;
}

export interface ModBootOptions {
  /** The program's preloaded image's engine. */
  readonly factory: ImageEngine;
  /** The program's image, signed (the `hearth build` image file: header, bundle, signature), as the program carries it. */
  readonly factoryImage: Uint8Array;
  /** The native binding, its engine calls sent to whichever engine runs. */
  readonly bind: (engine: Pick<ImageEngine, "wake" | "readable" | "mqtt">) => NativeBinding;
  /** XS's mod partition; undefined when the partition table has none (no updates then). */
  readonly mods: ModPartition | undefined;
  /** The mod's module, as XS loaded it from the archive it mapped at boot (Moddable's Modules.importNow). */
  readonly importMod: () => { engine?: ImageEngine };
}

/** What this boot runs, for tests and the console. */
export interface ModBoot {
  readonly runs: "factory" | "mod" | "restart";
  readonly firmware: string;
  readonly trial: boolean;
  readonly reverted: boolean;
}

/**
 * The head of an archive XS never rewrites as it maps it at boot: its size, "XS_A", its version,
 * and the MD5 of its content that xsl wrote (xs/tools/xslBase.c, fxWriteArchive; xsAPI.c,
 * fxMapArchive rewrites only identifiers). Equal heads: the partition holds that archive.
 */
const ARCHIVE_HEAD_BYTES = 44;
const XS_A = 0x58535f41; // "XS_A"
const XS_E = 0x58535f45; // "XS_E": XS could not map the archive (fxMapArchive's error mark)

/** Chooses what runs, as a boot ROM does, and starts its engine; returns what it chose. */
export function bootImage(o: ModBootOptions): ModBoot {
  let current: ImageEngine = o.factory;
  const native = o.bind({ wake: () => current.wake(), readable: (handle) => current.readable(handle), mqtt: (event, topic, payload) => current.mqtt(event, topic, payload) });
  useChipHash(native);
  const log = (level: string, message: string): void => native.log(level, "boot", message);
  const info = native.boot();
  const chosen = choose(native, info, o, log);
  if (chosen.runs === "restart") {
    native.restart();
    return chosen;
  }
  if (chosen.runs === "mod") {
    let engine: ImageEngine | undefined;
    try {
      engine = o.importMod().engine;
      if (engine === undefined) throw new Error("the mod exports no engine");
    } catch (error) {
      log("error", `the mod does not load (${error instanceof Error ? error.message : String(error)})${chosen.trial ? ": restarting, which goes back to the image before it" : ": running the program's image"}`);
      if (chosen.trial) {
        native.restart();
        return { ...chosen, runs: "restart" };
      }
      return start(o.factory, native, info, { runs: "factory", firmware: info.firmware, trial: false, reverted: chosen.reverted });
    }
    current = engine;
  }
  return start(current, native, info, chosen);
}

function start(engine: ImageEngine, native: NativeBinding, info: NativeBootInfo, chosen: ModBoot): ModBoot {
  // The engine's boot() is the boot ROM's report: the firmware that runs, and whether this boot went back.
  const booted: NativeBootInfo = { ...info, firmware: chosen.firmware, reverted: chosen.reverted };
  engine.start({ ...native, boot: () => booted });
  return chosen;
}

function choose(native: NativeBinding, info: NativeBootInfo, o: ModBootOptions, log: (level: string, message: string) => void): ModBoot {
  const factoryOnly: ModBoot = { runs: "factory", firmware: info.firmware, trial: false, reverted: false };
  if (info.updates === false || o.mods === undefined) return factoryOnly;
  let factory: Image;
  try {
    factory = parseImage(o.factoryImage);
  } catch (error) {
    log("error", `the program's image file is damaged (${(error as Error).message}): no updates this boot`);
    return factoryOnly;
  }
  const flash = new NativeFlash(native);
  const check = oncePerBoot(native);
  const key = new Uint8Array(info.publicKey);
  const bootloader = (): Bootloader => new Bootloader(flash, info.layout, key, info.board, check);
  const isFactory = (image: Image): boolean => same(image.bundleSha256, factory.bundleSha256);
  try {
    // A board fresh from the factory, or flashed over USB with a newer program: its image goes into a slot, confirmed, as the H1's factory installs one.
    if (needsFactory(flash, info, factory)) {
      try {
        installConfirmed(flash, info.layout, key, info.board, check, factory.bytes);
        log("info", `the program's image (firmware ${factory.version.join(".")}) installed in a slot`);
      } catch (error) {
        log("warn", `the program's image is not installed: ${(error as Error).message}`);
      }
    }
    const before = bootloader();
    // The slot boot() will run: a new image on its first boot, else the active one (a tried one reverts); the other if that one does not verify.
    let slot: Slot = before.installed ? before.idleSlot : before.activeSlot;
    let image: Image | undefined;
    try {
      image = before.verifySlot(slot);
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      slot = slot === "A" ? "B" : "A";
    }
    image ??= tryVerify(before, slot);
    if (image !== undefined && !isFactory(image)) {
      const staged = stage(o.mods, image.bundle);
      if (staged === "copied") {
        log("info", `firmware ${image.version.join(".")} copied from slot ${slot} into XS's mod partition: restarting for XS to map it`);
        return { runs: "restart", firmware: info.firmware, trial: false, reverted: false };
      }
      if (staged !== "holds") {
        log("error", `firmware ${image.version.join(".")} in slot ${slot} cannot run here: ${staged}`);
        if (before.installed && slot === before.idleSlot) {
          // Its trial is over before it began: marked tried, the next boot goes back.
          bootloader().boot();
          return { runs: "restart", firmware: info.firmware, trial: true, reverted: false };
        }
        return factoryOnly;
      }
    }
    const loader = bootloader();
    const result = loader.boot();
    for (const d of loader.decisions) log("info", `${d.what}: ${d.why}`);
    const firmware = result.image.version.join(".");
    if (isFactory(result.image)) return { runs: "factory", firmware, trial: result.trial, reverted: loader.reverted };
    if (stage(o.mods, result.image.bundle) !== "holds") {
      // Not the slot foreseen (flash changed under us): it is staged now, and the next boot maps it.
      return { runs: "restart", firmware: info.firmware, trial: result.trial, reverted: false };
    }
    return { runs: "mod", firmware, trial: result.trial, reverted: loader.reverted };
  } catch (error) {
    if (!(error instanceof BootError || error instanceof ImageError)) throw error;
    log("error", `${error.message}: running the program's image`);
    return factoryOnly;
  }
}

function tryVerify(bootloader: Bootloader, slot: Slot): Image | undefined {
  try {
    return bootloader.verifySlot(slot);
  } catch (error) {
    if (error instanceof ImageError) return undefined;
    throw error;
  }
}

/**
 * Whether the program's image must go into a slot: neither slot holds it (the same header: version,
 * counter, board, the bundle's SHA-256; the boot checks the rest) nor an image of its version or
 * later. Updates replace the program's image in its slot as they come: it must not come back over
 * them (it went into the idle slot, over the next update). A program flashed over USB that is newer
 * than what the slots hold goes in.
 */
function needsFactory(flash: NativeFlash, info: NativeBootInfo, factory: Image): boolean {
  const head = factory.bytes.subarray(0, HEADER_BYTES);
  for (const slot of [info.layout.slotA, info.layout.slotB]) {
    if (slot.size < HEADER_BYTES) continue;
    const header = flash.read(slot.offset, HEADER_BYTES);
    if (same(header, head)) return false;
    const version = headerVersion(header);
    if (version !== undefined && compareVersions(version, factory.version) >= 0) return false;
  }
  return true;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/**
 * Makes XS's mod partition hold `archive`: "holds" when it does already (mapped or not), "copied"
 * when it was written (and read back whole), else why it cannot.
 */
function stage(mods: ModPartition, archive: Uint8Array): "holds" | "copied" | string {
  if (archive.length < ARCHIVE_HEAD_BYTES || word(archive, 4) !== XS_A) return "its bundle is not a mod archive";
  if (archive.length > mods.size) return `its archive (${archive.length} bytes) is larger than XS's mod partition (${mods.size})`;
  const head = new Uint8Array(mods.read(0, ARCHIVE_HEAD_BYTES));
  const block = mods.blockBytes;
  if (word(head, 4) === XS_E) {
    // XS marks an archive it cannot map through the host's write, which erases the first sector
    // (xs/platforms/esp/xsHost.c, spiWrite): the rest of the partition says which archive it was.
    // This one: not copied again (each boot would copy it and restart, for ever).
    const rest = archive.length > block ? new Uint8Array(mods.read(block, archive.length - block)) : undefined;
    if (rest === undefined || same(rest, archive.subarray(block))) return `XS could not map its archive (status ${head[8] ?? 0}): built for another XS?`;
  } else if (same(head, archive.subarray(0, ARCHIVE_HEAD_BYTES))) {
    return "holds";
  }
  for (let b = 0; b < Math.ceil(archive.length / block); b++) mods.eraseBlock(b);
  // The head last: until the whole archive is there, the partition holds no archive XS would map.
  for (let at = block; at < archive.length; at += block) mods.write(at, archive.slice(at, Math.min(archive.length, at + block)).buffer);
  mods.write(0, archive.slice(0, Math.min(archive.length, block)).buffer);
  if (!same(sha256(new Uint8Array(mods.read(0, archive.length))), sha256(archive))) return "the copy in XS's mod partition does not read back";
  return "copied";
}

/** The chip's Ed25519 check, once per boot for the same signature over the same bytes (the boot and the image may check a slot twice). */
function oncePerBoot(native: NativeBinding): SignatureCheck {
  const good = new Set<string>();
  return (signature, message, publicKey) => {
    const id = `${hex(signature)}:${hex(sha256(message))}:${hex(publicKey)}`;
    if (good.has(id)) return true;
    const ok = native.ed25519Verify(signature.slice().buffer, message.slice().buffer, publicKey.slice().buffer);
    if (ok) good.add(id);
    return ok;
  };
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

function word(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
