import { sha256 } from "@noble/hashes/sha2.js";
import { defineRecord, field } from "../storage/record.js";
import { FlashRegion, type Flash } from "../../hal/flash.js";
import { KvStore } from "../storage/kv-store.js";
import { HEADER_BYTES, ImageError, parseImage, SIGNATURE_BYTES, verifyImage, type Image, type SignatureCheck } from "./image.js";

/** The boot state in kv: the active slot, a pending one on trial, whether it was tried, the security counter. */
const bootStateRecord = defineRecord("boot state", 1, {
  active: field.oneOf("A", "B"),
  pending: field.nullable(field.oneOf("A", "B")),
  tried: field.bool,
  counter: field.uint,
});

export type Slot = "A" | "B";

export interface BootLayout {
  boot: { offset: number; size: number };
  slotA: { offset: number; size: number };
  slotB: { offset: number; size: number };
}

/** The boot state, one atomic record in the boot partition's key-value store. */
export interface BootState {
  active: Slot;
  /** A new image installed in this slot, to be tried at the next boot. */
  pending: Slot | null;
  /** The pending image has been started once: if it was not confirmed, the next boot reverts. */
  tried: boolean;
  /** Anti-rollback: only ever rises (when an image is confirmed). */
  counter: number;
}

export interface BootDecision {
  readonly what: string;
  readonly why: string;
}

export class BootError extends Error {
  override readonly name = "BootError";
}

const STATE_KEY = "boot/state";

/**
 * What a factory does to a blank board: `image` written to a slot,
 * installed, booted once and confirmed, so it is the board's running firmware.
 */
export function installConfirmed(flash: Flash, layout: BootLayout, publicKey: Uint8Array, board: string, check: SignatureCheck, image: Uint8Array): void {
  const installer = new Bootloader(flash, layout, publicKey, board, check);
  installer.writeImage(image);
  installer.install();
  new Bootloader(flash, layout, publicKey, board, check).boot();
  new Bootloader(flash, layout, publicKey, board, check).confirm();
}

/**
 * The bootloader: A/B slots, trial boot of a new image with confirm or
 * automatic revert, and an anti-rollback counter, with its state in the boot
 * partition (a power-fail-safe key-value store). It verifies hash and
 * signature before it runs anything, and says why it decided what it did.
 * Every step is ordered so that a power cut anywhere leaves a bootable slot.
 */
export class Bootloader {
  readonly decisions: BootDecision[] = [];
  /** This boot went back to the old image because the new one never confirmed. */
  reverted = false;
  private kv: KvStore;
  private readonly bootRegion: FlashRegion;
  private state: BootState;
  private readonly slots: Record<Slot, FlashRegion>;

  constructor(
    flash: Flash,
    layout: BootLayout,
    private readonly publicKey: Uint8Array,
    private readonly board: string,
    /** Ed25519 verification: the chip's engine, or verifyEd25519 (os/boot/signing.ts). */
    private readonly checkSignature: SignatureCheck,
  ) {
    this.bootRegion = new FlashRegion(flash, layout.boot.offset, layout.boot.size);
    this.kv = KvStore.mount(this.bootRegion, { format: "if-garbage", maxValueBytes: 64 });
    this.slots = {
      A: new FlashRegion(flash, layout.slotA.offset, layout.slotA.size),
      B: new FlashRegion(flash, layout.slotB.offset, layout.slotB.size),
    };
    this.state = this.load();
  }

  get activeSlot(): Slot {
    return this.state.active;
  }
  get securityCounter(): number {
    return this.state.counter;
  }
  /** Where a new image goes: the slot not running now. */
  get idleSlot(): Slot {
    return this.state.active === "A" ? "B" : "A";
  }

  /**
   * Chooses and verifies the image to run. A pending image is tried once; a
   * pending image already tried and not confirmed is abandoned (revert).
   */
  boot(): { slot: Slot; image: Image; trial: boolean } {
    let trial: Slot | undefined;
    if (this.state.pending !== null) {
      if (this.state.tried) {
        this.decide("revert", `image in slot ${this.state.pending} was tried and not confirmed; back to slot ${this.state.active}`);
        this.reverted = true;
        // Kept in RAM even if flash refuses it: this boot runs the old image, and the next one decides again.
        this.trySave({ ...this.state, pending: null, tried: false });
      } else if (this.trySave({ ...this.state, tried: true }, false) || this.reload().tried) {
        // Marked before it runs: if it never confirms, the next boot knows it had its chance.
        trial = this.state.pending;
        this.decide("trial", `trying the new image in slot ${trial}`);
      } else {
        // A trial that cannot be recorded could never be reverted: it waits, and the old image runs.
        this.decide("defer", `could not record the trial of slot ${this.state.pending} in flash; running slot ${this.state.active}`);
      }
    }
    const order: Slot[] = trial === undefined ? [this.state.active, this.other(this.state.active)] : [trial, this.state.active];
    for (const slot of order) {
      try {
        const image = this.verifiedImage(slot);
        if (slot !== trial && slot !== this.state.active) {
          this.decide("fallback", `slot ${this.state.active} holds no valid image; running slot ${slot}`);
          this.trySave({ ...this.state, active: slot, pending: null, tried: false });
        }
        this.decide("boot", `slot ${slot}: firmware ${image.version.join(".")}, security counter ${image.securityCounter}`);
        return { slot, image, trial: slot === trial };
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        this.decide("skip", `slot ${slot}: ${error.message}`);
        if (slot === trial) this.trySave({ ...this.state, pending: null, tried: false });
      }
    }
    throw new BootError("no slot holds a valid image");
  }

  /** The image that runs is on trial: it must confirm, or the next reset reverts it. */
  get onTrial(): boolean {
    return this.state.pending !== null && this.state.tried;
  }

  /** An image is installed in the idle slot and will be tried at the next boot. */
  get installed(): boolean {
    return this.state.pending !== null && !this.state.tried;
  }

  /**
   * Reads the boot state from flash again. A write that failed may still have
   * landed (flash does not say which): what flash holds is what the next boot sees.
   */
  reload(): BootState {
    try {
      this.kv = KvStore.mount(this.bootRegion, { format: "never", maxValueBytes: 64 });
      this.state = this.load();
    } catch (error) {
      this.decide("flash", `boot state not read again: ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.state;
  }

  /** The idle slot's size: the largest image it takes. */
  get idleSlotBytes(): number {
    return this.slots[this.idleSlot].sizeBytes;
  }

  /** Erase granularity of the slots: downloads erase and resume a sector at a time. */
  get sectorBytes(): number {
    return this.slots[this.idleSlot].sectorBytes;
  }

  /**
   * Forgets an installed image not yet started, so its slot can take another
   * (a newer offer supersedes it). An image on trial is not touched.
   */
  abandonPending(): void {
    if (this.state.pending === null || this.state.tried) return;
    this.save({ ...this.state, pending: null });
    this.decide("abandon", `the image installed in slot ${this.idleSlot} gives way to a newer one`);
  }

  /** Erases the idle slot's sector that holds `offset`, for a download to write it (again). */
  eraseIdleSector(offset: number): void {
    const region = this.slots[this.idleSlot];
    if (offset < 0 || offset >= region.sizeBytes) throw new BootError(`offset ${offset} is outside slot ${this.idleSlot}`);
    region.erase(Math.floor(offset / region.sectorBytes));
  }

  /** The first `length` bytes of a slot (to hash what a download wrote). */
  readBytes(slot: Slot, length: number): Uint8Array {
    return this.slots[slot].read(0, length);
  }

  /** Checks the image in a slot as boot would (hash, signature, board, counter); throws ImageError saying why not. */
  verifySlot(slot: Slot): Image {
    return this.verifiedImage(slot);
  }

  /** The running trial image is good (it reached the cloud, or passed its self-test): keep it. */
  confirm(): void {
    const slot = this.state.pending;
    if (slot === null || !this.state.tried) return;
    const image = this.verifiedImage(slot);
    this.save({ active: slot, pending: null, tried: false, counter: Math.max(this.state.counter, image.securityCounter) });
    this.decide("confirm", `slot ${slot} confirmed; security counter ${this.state.counter}`);
  }

  /** Erases what `bytes` needs of the idle slot and writes the image there (not yet installed). */
  writeImage(bytes: Uint8Array): Slot {
    const slot = this.prepareSlot(bytes.length);
    const sector = this.slots[slot].sectorBytes;
    for (let from = 0; from < bytes.length; from += sector) this.writeChunk(from, bytes.subarray(from, Math.min(bytes.length, from + sector)));
    return slot;
  }

  /** Erases the first `imageBytes` of the idle slot for an image to arrive in chunks. */
  prepareSlot(imageBytes: number): Slot {
    const slot = this.idleSlot;
    const region = this.slots[slot];
    if (imageBytes > region.sizeBytes) throw new BootError(`image of ${imageBytes} bytes does not fit slot ${slot} (${region.sizeBytes})`);
    for (let s = 0; s < Math.ceil(imageBytes / region.sectorBytes); s++) region.erase(s);
    return slot;
  }

  /**
   * Writes part of an image into the idle slot: `offset` on a program unit, the
   * chunk whole units (the last may be short: it is padded with 0xFF), within one sector.
   */
  writeChunk(offset: number, chunk: Uint8Array): void {
    const region = this.slots[this.idleSlot];
    const unit = region.programBytes;
    if (offset % unit !== 0) throw new BootError(`chunk offset ${offset} is not on a ${unit}-byte program unit`);
    if (Math.floor(offset / region.sectorBytes) !== Math.floor((offset + Math.max(1, chunk.length) - 1) / region.sectorBytes)) {
      throw new BootError(`chunk ${offset}+${chunk.length} crosses a sector`);
    }
    const padded = new Uint8Array(Math.ceil(chunk.length / unit) * unit).fill(0xff);
    padded.set(chunk);
    region.program(offset, padded);
  }

  /** Marks the image in the idle slot to be tried at the next boot, once it verifies. */
  install(): Slot {
    const slot = this.idleSlot;
    this.verifiedImage(slot);
    this.save({ ...this.state, pending: slot, tried: false });
    this.decide("install", `slot ${slot} will be tried at the next boot`);
    return slot;
  }

  /**
   * The one check of an image received into the idle slot, whoever brought it
   * (the serial loader, an update over the air): the slot holds an image of
   * exactly `size` bytes by its own header (nothing appended after its
   * signature), whose SHA-256 is `hash`, and that verifies (signature, board,
   * security counter). Throws an ImageError naming the first problem.
   */
  checkReceived(size: number, hash: Uint8Array): Image {
    const slot = this.idleSlot;
    // What was sent is read as an image first: a file too short to be one, or not one at all, is named as such.
    const region = this.slots[slot];
    if (size < HEADER_BYTES + SIGNATURE_BYTES) throw new ImageError("truncated", `an image needs at least ${HEADER_BYTES + SIGNATURE_BYTES} bytes, got ${size}`);
    if (size > region.sizeBytes) throw new ImageError("truncated", `${size} bytes do not fit slot ${slot} (${region.sizeBytes} bytes)`);
    parseImage(region.read(0, size));
    const bytes = this.readSlot(slot);
    if (bytes.length !== size) throw new ImageError("size-mismatch", `the image is ${bytes.length} bytes by its header, not the ${size} sent: bytes after its signature are refused`);
    const got = sha256(bytes);
    if (!got.every((b, i) => b === hash[i]) || hash.length !== got.length) throw new ImageError("hash-mismatch", "the slot does not hold the image sent (its SHA-256 differs)");
    return this.verifiedImage(slot);
  }

  /** The image bytes in a slot, as far as its header says. */
  readSlot(slot: Slot): Uint8Array {
    const region = this.slots[slot];
    const header = region.read(0, HEADER_BYTES);
    const size = new DataView(header.buffer, header.byteOffset).getUint32(40, true);
    const total = HEADER_BYTES + size + SIGNATURE_BYTES;
    if (total > region.sizeBytes) throw new ImageError("truncated", `slot ${slot} holds no image`);
    return region.read(0, total);
  }

  private verifiedImage(slot: Slot): Image {
    const bytes = this.readSlot(slot);
    parseImage(bytes);
    return verifyImage(bytes, this.publicKey, { board: this.board, minCounter: this.state.counter }, this.checkSignature);
  }

  private other(slot: Slot): Slot {
    return slot === "A" ? "B" : "A";
  }

  private load(): BootState {
    if (!this.kv.has(STATE_KEY)) return { active: "A", pending: null, tried: false, counter: 0 };
    try {
      return bootStateRecord.read(this.kv, STATE_KEY) as BootState;
    } catch (error) {
      throw new BootError(`boot state is damaged: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Saves, or says why not (keeping the new state in RAM when `keepAnyway`); true when flash has it. */
  private trySave(state: BootState, keepAnyway = true): boolean {
    try {
      this.save(state);
      return true;
    } catch (error) {
      if (keepAnyway) this.state = state;
      this.decide("flash", `boot state not saved: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  private save(state: BootState): void {
    bootStateRecord.write(this.kv, STATE_KEY, state);
    this.state = state;
  }

  private decide(what: string, why: string): void {
    this.decisions.push({ what, why });
  }
}
