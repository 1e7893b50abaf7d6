import { sha256 } from "@noble/hashes/sha2.js";
import { crc32 } from "../storage/crc32.js";
import type { Bootloader } from "./bootloader.js";

/**
 * The board's serial bootloader protocol (os/boot/FLASHING.md). A frame is
 *   0x7E | type u8 | length u16 LE | payload | CRC-32 (LE) of type, length and payload
 * The host sends commands; the board answers each with OK (0x80) or ERR (0x81, a code and a reason).
 */
export const FrameType = {
  sync: 0x01,
  begin: 0x02,
  write: 0x03,
  verify: 0x04,
  boot: 0x05,
  ok: 0x80,
  err: 0x81,
} as const;

export const LOADER_VERSION = 1;
export const MAX_PAYLOAD = 4096 + 8;
const SYNC = 0x7e;

export function encodeFrame(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const frame = new Uint8Array(4 + payload.length + 4);
  const view = new DataView(frame.buffer);
  frame[0] = SYNC;
  frame[1] = type;
  view.setUint16(2, payload.length, true);
  frame.set(payload, 4);
  view.setUint32(4 + payload.length, crc32(frame.subarray(1, 4 + payload.length)), true);
  return frame;
}

/** Splits a byte stream into checked frames; bytes before a sync, and frames that fail their CRC, are skipped. */
export class FrameReader {
  private buffer = new Uint8Array(0);
  dropped = 0;

  push(bytes: Uint8Array): { type: number; payload: Uint8Array }[] {
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer);
    joined.set(bytes, this.buffer.length);
    const frames: { type: number; payload: Uint8Array }[] = [];
    let at = 0;
    while (at < joined.length) {
      if (joined[at] !== SYNC) {
        at++;
        this.dropped++;
        continue;
      }
      if (joined.length - at < 8) break;
      const length = (joined[at + 2] as number) | ((joined[at + 3] as number) << 8);
      if (length > MAX_PAYLOAD) {
        at++;
        this.dropped++;
        continue;
      }
      if (joined.length - at < 8 + length) break;
      const body = joined.subarray(at + 1, at + 4 + length);
      const crc = new DataView(joined.buffer, joined.byteOffset + at + 4 + length, 4).getUint32(0, true);
      if (crc !== crc32(body)) {
        at++;
        this.dropped++;
        continue;
      }
      frames.push({ type: joined[at + 1] as number, payload: joined.slice(at + 4, at + 4 + length) });
      at += 8 + length;
    }
    this.buffer = joined.slice(at);
    return frames;
  }
}

/**
 * The board side: commands from a host, carried out with the bootloader.
 * `boot` installs the verified image and asks the board to reset.
 */
export class SerialLoader {
  private readonly reader = new FrameReader();
  private expected: number | undefined;
  private written = new Uint8Array(0);

  constructor(
    private readonly bootloader: Bootloader,
    private readonly board: string,
    private readonly send: (bytes: Uint8Array) => void,
    private readonly reset: () => void,
  ) {}

  feed(bytes: Uint8Array): void {
    for (const frame of this.reader.push(bytes)) {
      try {
        this.handle(frame.type, frame.payload);
      } catch (error) {
        this.err(2, error instanceof Error ? error.message : String(error));
      }
    }
  }

  private handle(type: number, payload: Uint8Array): void {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    switch (type) {
      case FrameType.sync:
        return this.ok(Uint8Array.of(LOADER_VERSION, ...Array.from(this.board, (c) => c.charCodeAt(0))));
      case FrameType.begin: {
        if (payload.length !== 4) return this.err(1, "begin takes the image size (u32)");
        this.expected = view.getUint32(0, true);
        this.written = new Uint8Array(this.expected);
        this.bootloader.prepareSlot(this.expected);
        return this.ok();
      }
      case FrameType.write: {
        if (this.expected === undefined) return this.err(1, "write before begin");
        if (payload.length < 4) return this.err(1, "write takes an offset (u32) and data");
        const offset = view.getUint32(0, true);
        const data = payload.subarray(4);
        if (offset + data.length > this.expected) return this.err(1, `write ${offset}+${data.length} is past the image's ${this.expected} bytes`);
        this.bootloader.writeChunk(offset, data);
        this.written.set(data, offset);
        return this.ok();
      }
      case FrameType.verify: {
        if (this.expected === undefined || payload.length !== 32) return this.err(1, "verify takes the image's SHA-256 after begin");
        const stored = this.bootloader.readSlot(this.bootloader.idleSlot);
        const hash = sha256(stored);
        if (stored.length !== this.expected || !hash.every((b, i) => b === payload[i])) return this.err(3, "the slot does not hold the image sent (hash differs)");
        this.bootloader.install(); // verifies signature, board and counter
        return this.ok();
      }
      case FrameType.boot:
        this.ok();
        this.reset();
        return;
      default:
        return this.err(1, `unknown command 0x${type.toString(16)}`);
    }
  }

  private ok(payload?: Uint8Array): void {
    this.send(encodeFrame(FrameType.ok, payload));
  }

  private err(code: number, reason: string): void {
    const text = Array.from(reason.slice(0, 200), (c) => c.charCodeAt(0) & 0x7f);
    this.send(encodeFrame(FrameType.err, Uint8Array.of(code, ...text)));
  }
}
