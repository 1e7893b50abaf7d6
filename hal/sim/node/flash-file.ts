import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { SimFlash, type FlashGeometry } from "../flash.js";

const MAGIC = "HFLASH1\n";

/**
 * Saves a simulated flash to a file (geometry, erase counts, contents) so a
 * simulated board keeps its flash between runs. Written to a temporary file
 * and renamed, so a crash mid-save leaves the old file. Node-only.
 */
export function saveFlash(flash: SimFlash, path: string): void {
  const header = Buffer.from(`${MAGIC}${JSON.stringify({ sizeBytes: flash.sizeBytes, sectorBytes: flash.sectorBytes, programBytes: flash.programBytes, endurance: flash.endurance })}\n`);
  const counts = Buffer.from(flash.eraseCounts.buffer, flash.eraseCounts.byteOffset, flash.eraseCounts.byteLength);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, Buffer.concat([header, counts, flash.image]));
  renameSync(tmp, path);
}

/** Loads a flash saved by saveFlash; a file of another geometry or format is refused with an error that says so. */
export function loadFlash(path: string, expected?: FlashGeometry): SimFlash {
  const file = readFileSync(path);
  if (file.subarray(0, MAGIC.length).toString() !== MAGIC) throw new Error(`${path} is not a Hearth flash image`);
  const end = file.indexOf(0x0a, MAGIC.length);
  const geometry = JSON.parse(file.subarray(MAGIC.length, end).toString()) as FlashGeometry;
  if (expected !== undefined && (geometry.sizeBytes !== expected.sizeBytes || geometry.sectorBytes !== expected.sectorBytes || geometry.programBytes !== expected.programBytes)) {
    throw new Error(`${path} holds a ${geometry.sizeBytes}-byte flash of ${geometry.sectorBytes}-byte sectors, not the board's`);
  }
  const sectors = geometry.sizeBytes / geometry.sectorBytes;
  const countsAt = end + 1;
  const imageAt = countsAt + sectors * 4;
  if (file.length !== imageAt + geometry.sizeBytes) throw new Error(`${path} is truncated or padded (${file.length} bytes)`);
  const flash = new SimFlash(geometry, new Uint8Array(file.subarray(imageAt)));
  flash.eraseCounts.set(new Uint32Array(file.buffer.slice(file.byteOffset + countsAt, file.byteOffset + imageAt)));
  return flash;
}
