/**
 * Checks that bytes are exactly one well-formed CBOR item, without decoding
 * it: every declared length fits in what is left of the frame (so nothing is
 * allocated for a lie), nesting stays within `maxDepth`, the item count within
 * `maxItems`, and indefinite lengths, reserved values and trailing bytes are
 * refused. Returns the reason it is not acceptable, or undefined.
 */
export function cborProblem(bytes: Uint8Array, maxDepth = 8, maxItems = 1024): string | undefined {
  let pos = 0;
  let items = 0;
  // How many items each open container still expects (maps count keys and values).
  const open: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (;;) {
    if (pos >= bytes.length) return open.length === 0 && items > 0 ? undefined : "frame ends inside an item";
    if (++items > maxItems) return `more than ${maxItems} items`;
    const initial = bytes[pos++] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;
    let arg: number;
    if (info < 24) arg = info;
    else if (info <= 27) {
      const size = 1 << (info - 24);
      if (pos + size > bytes.length) return "frame ends inside a head";
      arg = size === 1 ? (bytes[pos] as number) : size === 2 ? view.getUint16(pos) : size === 4 ? view.getUint32(pos) : view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4);
      pos += size;
    } else return info === 31 ? "indefinite lengths are not used" : `reserved additional information ${info}`;
    let children = 0;
    switch (major) {
      case 2:
      case 3:
        if (arg > bytes.length - pos) return `a string of ${arg} bytes in a frame with ${bytes.length - pos} left`;
        pos += arg;
        break;
      case 4:
      case 5:
        children = major === 4 ? arg : arg * 2;
        // Each child takes at least a byte: a count beyond what is left is a lie.
        if (children > bytes.length - pos) return `a container of ${arg} in a frame with ${bytes.length - pos} bytes left`;
        break;
      case 6:
        return "tags are not used";
      case 7:
        if (info < 20 || info === 24) return `simple value ${arg} is not used`;
        break; // false, true, null, undefined, or a float
      default:
        break; // integers and simple values / floats: the head was all of it
    }
    if (children > 0) {
      if (open.length >= maxDepth) return `nesting deeper than ${maxDepth}`;
      open.push(children);
      continue;
    }
    // This item is complete: close every container it completes.
    while (open.length > 0) {
      const left = (open[open.length - 1] as number) - 1;
      if (left > 0) {
        open[open.length - 1] = left;
        break;
      }
      open.pop();
    }
    if (open.length === 0) return pos === bytes.length ? undefined : `${bytes.length - pos} bytes after the item`;
  }
}
