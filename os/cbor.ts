/**
 * A CBOR encoder (RFC 8949) that always writes the preferred serialization:
 * the shortest head for every integer and length, and the shortest float
 * (half, single or double) that holds the value exactly. Hearth has its own
 * codec because cbor-x cannot emit half floats (and writes singles lossily),
 * decodes without bounds on what a frame declares, and is large for an MCU
 * heap; the tests hold both halves to cborg (an independent implementation) as the reference.
 */

export type CborValue =
  | number
  | boolean
  | null
  | undefined
  | string
  | Uint8Array
  | readonly CborValue[]
  | ReadonlyMap<number | string, CborValue>;

export function encodeCbor(value: CborValue): Uint8Array {
  const writer = new Writer();
  writer.value(value);
  return writer.finish();
}

/** Plain data: numbers, booleans, null, undefined, text, byte strings, arrays and objects with text keys. */
export type PlainData = CborValue | { readonly [key: string]: PlainData } | readonly PlainData[];

/**
 * `value` in RFC 8949 core deterministic encoding (section 4.2.1), an object
 * as a map whose keys are sorted bytewise by their own encoding; integers,
 * lengths and floats are always in their shortest form here. Written straight
 * from the objects, with no maps made on the way.
 */
export function encodeDeterministic(value: PlainData): Uint8Array {
  const writer = new Writer();
  writer.plain(value);
  return writer.finish();
}

class Writer {
  private bytes = new Uint8Array(64);
  private length = 0;
  // Each writer's own: a DataView made when a module loads would, on Moddable, be preloaded into ROM
  // and refuse its setters (hal/moddable/README.md, "Preloaded modules").
  private scratchView: DataView | undefined;
  private get scratch(): DataView {
    return (this.scratchView ??= new DataView(new ArrayBuffer(8)));
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  value(value: CborValue): void {
    switch (typeof value) {
      case "number":
        return this.number(value);
      case "boolean":
        return this.byte(value ? 0xf5 : 0xf4);
      case "undefined":
        return this.byte(0xf7);
      case "string":
        return this.text(value);
      case "object":
        if (value === null) return this.byte(0xf6);
        if (value instanceof Uint8Array) {
          this.head(2, value.length);
          return this.raw(value);
        }
        if (value instanceof Map) {
          this.head(5, value.size);
          for (const [k, v] of value) {
            this.value(k);
            this.value(v);
          }
          return;
        }
        if (Array.isArray(value)) {
          this.head(4, value.length);
          for (const item of value as readonly CborValue[]) this.value(item);
          return;
        }
    }
    throw new TypeError(`CBOR: cannot encode a value of type ${typeof value}`);
  }

  plain(value: PlainData): void {
    if (typeof value !== "object" || value === null || value instanceof Uint8Array || value instanceof Map) return this.value(value as CborValue);
    if (Array.isArray(value)) {
      this.head(4, value.length);
      for (const item of value as readonly PlainData[]) this.plain(item);
      return;
    }
    const object = value as { readonly [key: string]: PlainData };
    const keys = Object.keys(object).sort(byEncodedKey);
    this.head(5, keys.length);
    for (const key of keys) {
      this.text(key);
      this.plain(object[key] as PlainData);
    }
  }

  private number(n: number): void {
    if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
      if (n >= 0) this.head(0, n);
      else this.head(1, -1 - n);
      return;
    }
    const half = halfBits(n, this.scratch);
    if (half !== undefined) {
      this.byte(0xf9);
      this.byte(half >> 8);
      this.byte(half & 0xff);
      return;
    }
    if (Math.fround(n) === n) {
      this.scratch.setFloat32(0, n);
      this.byte(0xfa);
      this.raw(new Uint8Array(this.scratch.buffer, 0, 4));
      return;
    }
    this.scratch.setFloat64(0, n);
    this.byte(0xfb);
    this.raw(new Uint8Array(this.scratch.buffer, 0, 8));
  }

  private text(s: string): void {
    const utf8 = encodeUtf8(s);
    this.head(3, utf8.length);
    this.raw(utf8);
  }

  /** A major type with its argument in the shortest form. */
  private head(major: number, arg: number): void {
    const m = major << 5;
    if (arg < 24) this.byte(m | arg);
    else if (arg < 0x100) {
      this.byte(m | 24);
      this.byte(arg);
    } else if (arg < 0x10000) {
      this.byte(m | 25);
      this.byte(arg >> 8);
      this.byte(arg & 0xff);
    } else if (arg < 0x100000000) {
      this.byte(m | 26);
      this.scratch.setUint32(0, arg);
      this.raw(new Uint8Array(this.scratch.buffer, 0, 4));
    } else {
      this.byte(m | 27);
      this.scratch.setUint32(0, Math.floor(arg / 0x100000000));
      this.scratch.setUint32(4, arg >>> 0);
      this.raw(new Uint8Array(this.scratch.buffer, 0, 8));
    }
  }

  private byte(b: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = b;
  }

  private raw(data: Uint8Array): void {
    if (this.length + data.length > this.bytes.length) this.grow(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  private grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

/**
 * Text keys in the order of their encodings, bytewise: the head holds the UTF-8 length, so a shorter
 * key comes first, and keys of one length compare by their UTF-8 bytes, which for ASCII are its code
 * units: only other keys are encoded to compare.
 */
function byEncodedKey(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const [x, y] = [encodeCbor(a), encodeCbor(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

function isAscii(s: string): boolean {
  const length = s.length;
  for (let i = 0; i < length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** The IEEE 754 half-precision bits of n, or undefined if a half cannot hold n exactly. */
export function toHalf(n: number): number | undefined {
  return halfBits(n, new DataView(new ArrayBuffer(4)));
}

function halfBits(n: number, scratch: DataView): number | undefined {
  if (Number.isNaN(n)) return 0x7e00;
  if (Math.fround(n) !== n) return undefined;
  scratch.setFloat32(0, n);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00; // infinities (NaN handled above)
  if (exp === 0 && mant === 0) return sign; // zeros
  const e = exp - 127;
  if (e >= -14 && e <= 15) {
    if ((mant & 0x1fff) !== 0) return undefined;
    return sign | ((e + 15) << 10) | (mant >>> 13);
  }
  if (e >= -24 && e < -14) {
    const full = 0x800000 | mant;
    const shift = 13 + (-14 - e);
    if ((full & ((1 << shift) - 1)) !== 0) return undefined;
    return sign | (full >>> shift);
  }
  return undefined;
}

/** UTF-8 without TextEncoder, which not every engine has; lone surrogates become U+FFFD. */
export function encodeUtf8(s: string): Uint8Array {
  // Text is ASCII almost always (keys, topics, names): one pass into one array of its length. On XS
  // every property of a string (its length, charCodeAt) boxes it in an object: each is read once.
  const length = s.length;
  const ascii = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encodeUtf8Wide(s);
    ascii[i] = c;
  }
  return ascii;
}

function encodeUtf8Wide(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

export { decodeCbor, decodeUtf8, CborError, CborFloat, type CborLimits } from "./cbor-decode.js";
