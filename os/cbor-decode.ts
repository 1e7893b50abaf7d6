/**
 * A strict CBOR decoder for the subset Hearth speaks (RFC 8949): integers up
 * to 2^53, floats of every width, byte and text strings, definite arrays and
 * maps, false, true, null, undefined. Everything is checked as it is read:
 * a declared length larger than what is left of the input is refused before
 * anything is allocated, nesting and item counts are bounded, and tags,
 * indefinite lengths, other simple values, bad UTF-8 and trailing bytes are
 * errors. Maps decode to Map (integer keys stay numbers).
 */

export class CborError extends Error {
  override readonly name = "CborError";
}

export interface CborLimits {
  /** Deepest nesting of arrays and maps. Default 8. */
  maxDepth?: number;
  /** Most items (of any kind) in one input. Default 1024. */
  maxItems?: number;
  /**
   * Floats come back as CborFloat, not as numbers, so that a reader can tell
   * 1.0 from 1 (a CDDL `uint` is an integer on the wire, never a float). Default false.
   */
  boxFloats?: boolean;
}

/** A float as it was on the wire (decodeCbor with `boxFloats`). */
export class CborFloat {
  constructor(readonly value: number) {}
}

export function decodeCbor(bytes: Uint8Array, limits: CborLimits = {}): unknown {
  const r = new Reader(bytes, limits.maxDepth ?? 8, limits.maxItems ?? 1024, limits.boxFloats ?? false);
  const value = r.item(0);
  if (r.pos !== bytes.length) throw new CborError(`${bytes.length - r.pos} bytes after the item`);
  return value;
}

class Reader {
  pos = 0;
  private items = 0;
  private view: DataView | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly maxItems: number,
    private readonly boxFloats: boolean,
  ) {}

  item(depth: number): unknown {
    if (++this.items > this.maxItems) throw new CborError(`more than ${this.maxItems} items`);
    const bytes = this.bytes;
    if (this.pos >= bytes.length) throw new CborError("input ends inside an item");
    const initial = bytes[this.pos++] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) {
      const value = this.simple(info);
      return this.boxFloats && info >= 25 && info <= 27 ? new CborFloat(value as number) : value;
    }
    const arg = this.argument(info);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1 - arg;
      case 2:
        return this.take(arg).slice();
      case 3:
        return decodeUtf8(this.take(arg));
      case 4: {
        this.room(arg, depth);
        const out = new Array<unknown>(arg);
        for (let i = 0; i < arg; i++) out[i] = this.item(depth + 1);
        return out;
      }
      case 5: {
        this.room(arg * 2, depth);
        const out = new Map<unknown, unknown>();
        for (let i = 0; i < arg; i++) {
          const key = this.item(depth + 1);
          if (typeof key !== "number" && typeof key !== "string") throw new CborError("map keys are integers or text");
          if (out.has(key)) throw new CborError(`map key ${String(key)} repeats`);
          out.set(key, this.item(depth + 1));
        }
        return out;
      }
      default:
        throw new CborError("tags are not used");
    }
  }

  /** A container of `children` items: each takes at least a byte, so more than are left is a lie. */
  private room(children: number, depth: number): void {
    if (depth >= this.maxDepth) throw new CborError(`nesting deeper than ${this.maxDepth}`);
    if (children > this.bytes.length - this.pos) throw new CborError(`a container of ${children} items in ${this.bytes.length - this.pos} bytes`);
  }

  private argument(info: number): number {
    if (info < 24) return info;
    const b = this.bytes;
    const p = this.pos;
    switch (info) {
      case 24:
        this.need(1);
        this.pos += 1;
        return b[p] as number;
      case 25:
        this.need(2);
        this.pos += 2;
        return ((b[p] as number) << 8) | (b[p + 1] as number);
      case 26:
        this.need(4);
        this.pos += 4;
        return (((b[p] as number) << 24) >>> 0) + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number));
      case 27: {
        this.need(8);
        const high = this.dataView().getUint32(p);
        if (high >= 0x200000) throw new CborError("integer above 2^53 - 1");
        this.pos += 8;
        return high * 2 ** 32 + this.dataView().getUint32(p + 4);
      }
      default:
        throw new CborError(info === 31 ? "indefinite lengths are not used" : `reserved additional information ${info}`);
    }
  }

  private simple(info: number): unknown {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25: {
        this.need(2);
        const half = ((this.bytes[this.pos] as number) << 8) | (this.bytes[this.pos + 1] as number);
        this.pos += 2;
        return fromHalf(half);
      }
      case 26:
        this.need(4);
        this.pos += 4;
        return this.dataView().getFloat32(this.pos - 4);
      case 27:
        this.need(8);
        this.pos += 8;
        return this.dataView().getFloat64(this.pos - 8);
      default:
        throw new CborError(info === 31 ? "indefinite lengths are not used" : `simple value ${info} is not used`);
    }
  }

  private take(length: number): Uint8Array {
    if (length > this.bytes.length - this.pos) throw new CborError(`a string of ${length} bytes in ${this.bytes.length - this.pos} bytes`);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new CborError("input ends inside a head");
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }
}

function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Characters per String.fromCharCode call: its arguments go on the engine's stack (an MCU's is small). */
const ASCII_PIECE = 64;

/** Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF), without TextDecoder. */
export function decodeUtf8(b: Uint8Array): string {
  // ASCII, the common case, a few dozen characters at a time: a string per piece, not one per character.
  let ascii = true;
  for (let i = 0; i < b.length && ascii; i++) ascii = (b[i] as number) < 0x80;
  if (ascii && b.length <= ASCII_PIECE) return String.fromCharCode.apply(null, b as unknown as number[]);
  if (ascii) {
    let text = "";
    for (let at = 0; at < b.length; at += ASCII_PIECE) text += String.fromCharCode.apply(null, b.subarray(at, at + ASCII_PIECE) as unknown as number[]);
    return text;
  }
  let out = "";
  for (let i = 0; i < b.length; ) {
    const c = b[i++] as number;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      continue;
    }
    const n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;
    if (n < 0 || c > 0xf4 || i + n > b.length) throw new CborError("text is not UTF-8");
    let cp = c & (0x3f >> n);
    for (let k = 0; k < n; k++) {
      const d = b[i++] as number;
      if ((d & 0xc0) !== 0x80) throw new CborError("text is not UTF-8");
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n === 2 && cp < 0x800) || (n === 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new CborError("text is not UTF-8");
    }
    out += String.fromCodePoint(cp);
  }
  return out;
}
