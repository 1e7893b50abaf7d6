/** CRC-32 (IEEE 802.3, reflected, as zlib): the check on every record in flash. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * Continues a CRC over more bytes: crc32(b, crc32(a)) === crc32(a ++ b). Over the first `end` bytes
 * only, if given (no view made for a header's first bytes).
 */
export function crc32(bytes: Uint8Array, previous = 0, end = bytes.length): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < end; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
