import { SimFlash, type FlashGeometry } from "../../hal/sim/flash.js";
import { KvStore } from "../../os/storage/kv-store.js";
import { Random } from "../../os/random.js";
import { encodeCbor } from "../../os/cbor.js";

export const GEOMETRIES: readonly (FlashGeometry & { name: string })[] = [
  { name: "4 KiB sectors, 1 B program", sizeBytes: 16 * 4096, sectorBytes: 4096, programBytes: 1 },
  { name: "512 B sectors, 16 B program", sizeBytes: 64 * 512, sectorBytes: 512, programBytes: 16 },
  { name: "32 KiB sectors, 4 KiB program", sizeBytes: 12 * 32768, sectorBytes: 32768, programBytes: 4096 },
];

/** Values up to 2 KiB, or past one program unit where units are larger. */
export function kvOptions(geometry: FlashGeometry): { maxValueBytes: number; format: "if-garbage" } {
  return { maxValueBytes: Math.max(2048, geometry.programBytes + 64), format: "if-garbage" };
}

export type Change = Record<string, Uint8Array | null>;
export type Op = { kind: "write"; changes: Change } | { kind: "read"; key: string };

/** A seeded workload: 11+ keys; small numbers, strings, values over a program unit and over a sector; overwrites, deletes, reads, batches. */
export function workload(seed: number, count: number, geometry: FlashGeometry): Op[] {
  const random = new Random(seed);
  const keys = Array.from({ length: 12 }, (_, i) => `key${i}`);
  const sizes = [geometry.programBytes + 1, Math.min(2048, geometry.sectorBytes + 1), 700, 2048];
  const value = (i: number): Uint8Array => {
    switch (random.int(0, 4)) {
      case 0:
        return encodeCbor(random.int(-1000, 1000));
      case 1:
        return encodeCbor(`setting-${i}-${random.u32().toString(36)}`);
      default: {
        const n = sizes[random.int(0, sizes.length - 1)] as number;
        const bytes = new Uint8Array(n);
        for (let j = 0; j < n; j++) bytes[j] = (i * 31 + j * 7 + seed) & 0xff;
        return bytes;
      }
    }
  };
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const r = random.next();
    const key = keys[random.int(0, keys.length - 1)] as string;
    if (r < 0.15) ops.push({ kind: "read", key });
    else if (r < 0.25) ops.push({ kind: "write", changes: { [key]: null } });
    else if (r < 0.3) {
      const batch: Change = {};
      for (let j = 0; j < 3; j++) batch[keys[random.int(0, keys.length - 1)] as string] = value(i);
      ops.push({ kind: "write", changes: batch });
    } else ops.push({ kind: "write", changes: { [key]: value(i) } });
  }
  return ops;
}

/** What a reader may find: the acknowledged state, and the batch in flight (all of it, or none). */
export interface Expectation {
  acked: Map<string, Uint8Array>;
  inFlight: Change | undefined;
}

/** Returns what is wrong with the store against the expectation, or undefined. */
export function violation(kv: KvStore, e: Expectation): string | undefined {
  const actual = (key: string): Uint8Array | undefined => (kv.has(key) ? kv.get(key) : undefined);
  const same = (a: Uint8Array | undefined, b: Uint8Array | undefined | null): boolean =>
    (a === undefined && (b === undefined || b === null)) || (a !== undefined && b !== undefined && b !== null && equal(a, b));
  const flight = e.inFlight ?? {};
  const inFlightKeys = Object.keys(flight);
  // The batch in flight landed whole or not at all.
  const landed = inFlightKeys.filter((k) => same(actual(k), flight[k]) && !same(e.acked.get(k), flight[k]));
  const kept = inFlightKeys.filter((k) => same(actual(k), e.acked.get(k)) && !same(e.acked.get(k), flight[k]));
  if (landed.length > 0 && kept.length > 0) return `batch half applied: ${landed.join(",")} new, ${kept.join(",")} old`;
  const keys = new Set([...e.acked.keys(), ...inFlightKeys, ...kv.keys()]);
  for (const key of keys) {
    const ok = same(actual(key), e.acked.get(key)) || (key in flight && same(actual(key), flight[key]));
    if (!ok) return `key ${key}: found ${actual(key)?.length ?? "nothing"} bytes, neither acknowledged nor in flight`;
  }
  return undefined;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Applies one op to a store and the expectation (acknowledging it when the store returns). */
export function apply(kv: KvStore, op: Op, e: Expectation): void {
  if (op.kind === "read") {
    if (kv.has(op.key)) kv.get(op.key);
    return;
  }
  e.inFlight = op.changes;
  kv.write(op.changes);
  for (const [k, v] of Object.entries(op.changes)) {
    if (v === null) e.acked.delete(k);
    else e.acked.set(k, v);
  }
  e.inFlight = undefined;
}

export function freshFlash(geometry: FlashGeometry): SimFlash {
  return new SimFlash(geometry);
}

/**
 * Runs a workload with power cuts after the given flash-operation counts
 * (counted from the start, so a cut can fall in the recovery after another),
 * remounting after each. Returns what went wrong, or undefined.
 */
export function runWithCuts(geometry: FlashGeometry, seed: number, ops: number, cuts: readonly number[]): string | undefined {
  const flash = new SimFlash(geometry);
  const options = kvOptions(geometry);
  const e: Expectation = { acked: new Map(), inFlight: undefined };
  const pending = [...cuts].sort((a, b) => a - b);
  const arm = (): void => {
    const next = pending.shift();
    if (next !== undefined) flash.cutPowerAfter(Math.max(0, next - flash.ops));
  };
  const mountAfterCuts = (): KvStore => {
    for (;;) {
      try {
        return KvStore.mount(flash, options);
      } catch (error) {
        if (!isPowerCut(error)) throw error;
        flash.powerOn();
        arm();
      }
    }
  };
  arm();
  let kv = mountAfterCuts();
  for (const op of workload(seed, ops, geometry)) {
    for (;;) {
      try {
        apply(kv, op, e);
        break;
      } catch (error) {
        if (!isPowerCut(error)) return `op failed: ${(error as Error).message}`;
        flash.powerOn();
        arm();
        kv = mountAfterCuts();
        const wrong = violation(kv, e);
        if (wrong !== undefined) return `after a cut at op ${flash.ops}: ${wrong}`;
        // Whatever the store now holds for the batch in flight is what it holds.
        for (const key of Object.keys(e.inFlight ?? {})) {
          if (kv.has(key)) e.acked.set(key, kv.get(key));
          else e.acked.delete(key);
        }
        e.inFlight = undefined;
        break; // the op was interrupted; the workload goes on with the next one
      }
    }
  }
  if (flash.nonErasedPrograms !== 0) return "programmed non-erased bits";
  return violation(KvStore.mount(flash.clone(), options), e);
}

function isPowerCut(error: unknown): boolean {
  return error instanceof Error && "kind" in error && (error as { kind: string }).kind === "power-cut";
}
