import { sha256 } from "@noble/hashes/sha2.js";

/**
 * Which devices of a fleet one shard, or one worker of a shard, runs: device
 * indices [from, to). Everything about device i (its id, secret, seeds, its
 * user's choice) comes from i alone, so slices started anywhere, with no
 * coordinator, make the same fleet one process would (as k6's execution
 * segments), and two slices of one split never overlap.
 */
export interface DeviceRange {
  from: number;
  to: number;
}

/** Shard `index` of `of` (0-based) of a fleet of `count`: contiguous, sizes differing by at most one. */
export function shardRange(count: number, index: number, of: number): DeviceRange {
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(index) || index < 0 || index >= of) throw new RangeError(`shard ${index}/${of}: the index must be 0 .. ${of - 1}`);
  return { from: Math.floor((index * count) / of), to: Math.floor(((index + 1) * count) / of) };
}

/** A range split into `parts` contiguous ranges (the workers of one shard); empty ones left out. */
export function splitRange(range: DeviceRange, parts: number): DeviceRange[] {
  const size = range.to - range.from;
  const out: DeviceRange[] = [];
  for (let k = 0; k < parts; k++) {
    const r = shardRange(size, k, parts);
    if (r.to > r.from) out.push({ from: range.from + r.from, to: range.from + r.to });
  }
  return out;
}

/** Device i's id. */
export function fleetDeviceId(prefix: string, index: number): string {
  return `${prefix}-${index}`;
}

/** A device's secret from the fleet's secret and its id (a provisioning database, in one line). */
export function fleetDeviceSecret(fleetSecret: Uint8Array, deviceId: string): Uint8Array {
  return sha256(new Uint8Array([...fleetSecret, ...new TextEncoder().encode(deviceId)]));
}

/** Device i's board seed, from the fleet's seed. */
export function fleetDeviceSeed(seed: number, index: number): number {
  return seed * 100_003 + index;
}
