import { sha256 } from "@noble/hashes/sha2.js";

/**
 * A firmware image: header, bundle, signature (os/boot/IMAGE.md).
 *
 *   header (96 bytes) | bundle (bundle-size bytes) | Ed25519 signature (64 bytes)
 *
 * The signature covers the header and the bundle. The header carries the
 * bundle's SHA-256, so a bootloader can check the hash with the chip's SHA
 * engine before it spends time on the signature.
 */

export const IMAGE_MAGIC = 0x3157_4648; // "HFW1"
export const IMAGE_FORMAT = 1;
export const HEADER_BYTES = 96;
export const SIGNATURE_BYTES = 64;
const BOARD_BYTES = 24;

export interface ImageHeader {
  board: string;
  /** Semantic version of the firmware. */
  version: readonly [number, number, number];
  /** Anti-rollback: a bootloader refuses an image below the counter it has seen confirmed. */
  securityCounter: number;
  bundleBytes: number;
  bundleSha256: Uint8Array;
}

export interface Image extends ImageHeader {
  readonly bundle: Uint8Array;
  readonly signature: Uint8Array;
  /** The whole image, as it goes into a slot. */
  readonly bytes: Uint8Array;
}

export type ImageProblem =
  | "truncated"
  | "bad-magic"
  | "unknown-format"
  | "bad-header"
  | "hash-mismatch"
  | "bad-signature"
  | "wrong-board"
  | "rolled-back"
  | "size-mismatch";

export class ImageError extends Error {
  override readonly name = "ImageError";
  constructor(
    readonly problem: ImageProblem,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks an Ed25519 signature. The chip's crypto engine does it on a board
 * (hal/NATIVE.md); tools and the Node host use @noble/curves (os/boot/signing.ts).
 * An image need not carry a curve library.
 */
export type SignatureCheck = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** The version an image's header names, if these bytes begin an image of this format at all (no other check). */
export function headerVersion(header: Uint8Array): [number, number, number] | undefined {
  if (header.length < HEADER_BYTES) return undefined;
  const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== IMAGE_MAGIC || view.getUint16(4, true) !== IMAGE_FORMAT) return undefined;
  return versionAt(view);
}

function versionAt(view: DataView): [number, number, number] {
  return [view.getUint16(32, true), view.getUint16(34, true), view.getUint16(36, true)];
}

/** Reads an image's parts; checks the shape only (`verifyImage` checks hash, signature, board, counter). */
export function parseImage(bytes: Uint8Array): Image {
  if (bytes.length < HEADER_BYTES + SIGNATURE_BYTES) throw new ImageError("truncated", `an image needs at least ${HEADER_BYTES + SIGNATURE_BYTES} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== IMAGE_MAGIC) throw new ImageError("bad-magic", "not a Hearth firmware image (magic)");
  if (view.getUint16(4, true) !== IMAGE_FORMAT) throw new ImageError("unknown-format", `image format ${view.getUint16(4, true)} is not ${IMAGE_FORMAT}`);
  const bundleBytes = view.getUint32(40, true);
  if (bundleBytes > bytes.length - HEADER_BYTES - SIGNATURE_BYTES) {
    throw new ImageError("truncated", `header says ${bundleBytes} bundle bytes; the image holds ${bytes.length - HEADER_BYTES - SIGNATURE_BYTES}`);
  }
  const boardField = bytes.subarray(8, 8 + BOARD_BYTES);
  const end = boardField.indexOf(0);
  const board = String.fromCharCode(...boardField.subarray(0, end < 0 ? BOARD_BYTES : end));
  if (!/^[a-z0-9-]{1,24}$/.test(board)) throw new ImageError("bad-header", "board id in the header is not a board id");
  return {
    board,
    version: versionAt(view),
    securityCounter: view.getUint32(44, true),
    bundleBytes,
    bundleSha256: bytes.slice(48, 80),
    bundle: bytes.subarray(HEADER_BYTES, HEADER_BYTES + bundleBytes),
    signature: bytes.subarray(HEADER_BYTES + bundleBytes, HEADER_BYTES + bundleBytes + SIGNATURE_BYTES),
    bytes: bytes.subarray(0, HEADER_BYTES + bundleBytes + SIGNATURE_BYTES),
  };
}

/**
 * Everything a bootloader checks before it runs an image: its hash, its
 * signature under `publicKey`, its board, and that its security counter is
 * not below `minCounter`. Throws an ImageError naming the first problem.
 */
export function verifyImage(bytes: Uint8Array, publicKey: Uint8Array, expect: { board: string; minCounter: number }, check: SignatureCheck): Image {
  const image = parseImage(bytes);
  const hash = sha256(image.bundle);
  if (!equal(hash, image.bundleSha256)) throw new ImageError("hash-mismatch", "bundle does not match the SHA-256 in its header");
  const signed = image.bytes.subarray(0, HEADER_BYTES + image.bundleBytes);
  let good = false;
  try {
    good = check(image.signature, signed, publicKey);
  } catch {
    good = false;
  }
  if (!good) throw new ImageError("bad-signature", "signature does not verify with the board's public key");
  if (image.board !== expect.board) throw new ImageError("wrong-board", `image is for board ${image.board}, this is ${expect.board}`);
  if (image.securityCounter < expect.minCounter) {
    throw new ImageError("rolled-back", `security counter ${image.securityCounter} is below ${expect.minCounter}: an older, retired firmware`);
  }
  return image;
}

/** The 96-byte header of an image (the signing side; os/boot/signing.ts). */
export function encodeHeader(h: ImageHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, IMAGE_MAGIC, true);
  view.setUint16(4, IMAGE_FORMAT, true);
  view.setUint16(6, HEADER_BYTES, true);
  if (!/^[a-z0-9-]{1,24}$/.test(h.board)) throw new ImageError("bad-header", `board id ${JSON.stringify(h.board)} must be 1..24 of a-z 0-9 -`);
  for (let i = 0; i < h.board.length; i++) bytes[8 + i] = h.board.charCodeAt(i);
  h.version.forEach((part, i) => {
    if (!Number.isInteger(part) || part < 0 || part > 0xffff) throw new ImageError("bad-header", `version part ${part} is not 0..65535`);
    view.setUint16(32 + 2 * i, part, true);
  });
  if (!Number.isInteger(h.securityCounter) || h.securityCounter < 0 || h.securityCounter > 0xffffffff) {
    throw new ImageError("bad-header", `security counter ${h.securityCounter} is not 0..2^32-1`);
  }
  view.setUint32(40, h.bundleBytes, true);
  view.setUint32(44, h.securityCounter, true);
  bytes.set(h.bundleSha256, 48);
  return bytes;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
