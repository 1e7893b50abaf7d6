import { crc32 } from "../storage/crc32.js";
import type { Bootloader } from "./bootloader.js";
import { ImageError } from "./image.js";
import { frozen } from "../../hal/frozen.js";

/**
 * The board's serial bootloader protocol (os/boot/FLASHING.md). A frame is
 *   0x7E | type u8 | length u16 LE | payload | CRC-32 (LE) of type, length and payload
 * The host sends commands; the board answers each with OK (0x80) or ERR (0x81, a code and a reason).
 */
export const FrameType = frozen({
  sync: 0x01,
  begin: 0x02,
  write: 0x03,
  verify: 0x04,
  boot: 0x05,
  ok: 0x80,
  err: 0x81,
} as const);

export const LOADER_VERSION = 1;
export const MAX_PAYLOAD = 4096 + 8;
const SYNC = 0x7e;
/** Escape: inside a frame, 0x7E and 0x7D travel as 0x7D followed by the byte XOR 0x20 (as HDLC). */
const ESC = 0x7d;

export function encodeFrame(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const raw = new Uint8Array(3 + payload.length + 4);
  const view = new DataView(raw.buffer);
  raw[0] = type;
  view.setUint16(1, payload.length, true);
  raw.set(payload, 3);
  view.setUint32(3 + payload.length, crc32(raw.subarray(0, 3 + payload.length)), true);
  const out: number[] = [SYNC];
  for (const b of raw) {
    if (b === SYNC || b === ESC) out.push(ESC, b ^ 0x20);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

/**
 * Splits a byte stream into checked frames. A 0x7E always starts a frame
 * (escaping keeps it out of frame bodies), so after noise the reader is back
 * in step at the next frame; bytes outside frames, and frames that fail
 * their CRC or length, are dropped and counted.
 */
export class FrameReader {
  private body = new Uint8Array(3 + MAX_PAYLOAD + 4);
  private length = 0;
  private inFrame = false;
  private escaping = false;
  dropped = 0;

  push(bytes: Uint8Array): { type: number; payload: Uint8Array }[] {
    const frames: { type: number; payload: Uint8Array }[] = [];
    for (let b of bytes) {
      if (b === SYNC) {
        if (this.inFrame && this.length > 0) this.dropped++; // cut short: a new frame began
        this.inFrame = true;
        this.escaping = false;
        this.length = 0;
        continue;
      }
      if (!this.inFrame) {
        this.dropped++;
        continue;
      }
      if (b === ESC && !this.escaping) {
        this.escaping = true;
        continue;
      }
      if (this.escaping) {
        b ^= 0x20;
        this.escaping = false;
      }
      this.body[this.length++] = b;
      if (this.length < 3) continue;
      const size = (this.body[1] as number) | ((this.body[2] as number) << 8);
      if (size > MAX_PAYLOAD) {
        this.dropped++;
        this.inFrame = false;
        continue;
      }
      if (this.length < 3 + size + 4) continue;
      this.inFrame = false;
      const crc = new DataView(this.body.buffer, 3 + size, 4).getUint32(0, true);
      if (crc !== crc32(this.body.subarray(0, 3 + size))) {
        this.dropped++;
        continue;
      }
      frames.push({ type: this.body[0] as number, payload: this.body.slice(3, 3 + size) });
    }
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

  /** Frames and stray bytes dropped so far (bad CRC, cut short, outside a frame). */
  get dropped(): number {
    return this.reader.dropped;
  }

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
        try {
          this.bootloader.checkReceived(this.expected, payload); // size, hash, signature, board, counter: as over the air
        } catch (error) {
          if (error instanceof ImageError && (error.problem === "size-mismatch" || error.problem === "hash-mismatch")) return this.err(3, `the slot does not hold the image sent (${error.message})`);
          throw error;
        }
        this.bootloader.install();
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
