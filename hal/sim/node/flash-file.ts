import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { SimFlash, type FlashGeometry, type FlashStore } from "../flash.js";

const MAGIC = "HFLASH1\n";

/** A flash file that cannot be used: missing, unreadable, unwritable, of another board, damaged. */
export class FlashFileError extends Error {
  override readonly name = "FlashFileError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The file format (one file a board): the magic line, one line of JSON
 * geometry, each sector's erase count (uint32, host order), then the cells.
 * Offsets are fixed by the geometry, so one change is one write in place.
 */
function layoutOf(geometry: FlashGeometry): { header: Buffer; countsAt: number; cellsAt: number; bytes: number } {
  const header = Buffer.from(`${MAGIC}${JSON.stringify({ sizeBytes: geometry.sizeBytes, sectorBytes: geometry.sectorBytes, programBytes: geometry.programBytes, endurance: geometry.endurance ?? 100_000 })}\n`);
  const countsAt = header.length;
  const cellsAt = countsAt + (geometry.sizeBytes / geometry.sectorBytes) * 4;
  return { header, countsAt, cellsAt, bytes: cellsAt + geometry.sizeBytes };
}

function encodeWhole(flash: SimFlash): Buffer {
  const { header } = layoutOf(flash);
  const counts = Buffer.from(flash.eraseCounts.buffer, flash.eraseCounts.byteOffset, flash.eraseCounts.byteLength);
  return Buffer.concat([header, counts, flash.image]);
}

/**
 * A board's flash kept in a file as durably as the chip keeps it: every
 * completed program and erase is written in place and synced (fdatasync)
 * before the operation returns, so a crash, a kill -9 or the machine losing
 * power leaves the file as a power cut would leave the chip: every completed
 * operation kept, the one in progress either done or not (an erase cut
 * between its cells and its count keeps the cells, one count short).
 */
export class FlashFile {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    readonly flash: SimFlash,
    /** True when the file did not exist and was made blank (a factory-fresh board). */
    readonly fresh: boolean,
  ) {
    try {
      this.fd = openSync(path, "r+");
    } catch (error) {
      throw new FlashFileError(path, `--flash ${path} cannot be written: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const { countsAt, cellsAt } = layoutOf(flash);
    const store: FlashStore = {
      written: (offset, bytes) => this.write(cellsAt + offset, bytes),
      erased: (sector, count) => {
        this.write(cellsAt + sector * flash.sectorBytes, new Uint8Array(flash.sectorBytes).fill(0xff), false);
        this.write(countsAt + sector * 4, new Uint8Array(new Uint32Array([count]).buffer));
      },
    };
    flash.store = store;
  }

  /**
   * Opens the flash file at `path`, or makes a blank one (synced, with its
   * folder) when there is none. Refused at once, with FlashFileError, when the
   * file cannot be read or written, is not a flash file, or is of another
   * geometry than `geometry`.
   */
  static open(path: string, geometry: FlashGeometry): FlashFile {
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) throw new FlashFileError(path, `--flash ${path} is a directory, not a file`);
      return new FlashFile(path, loadFlash(path, geometry), false);
    }
    const blank = new SimFlash(geometry);
    try {
      writeFileSync(path, encodeWhole(blank), { flag: "wx" });
      syncPath(path, dirname(path));
    } catch (error) {
      throw new FlashFileError(path, `--flash ${path} cannot be made: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return new FlashFile(path, blank, true);
  }

  /** Stops keeping the flash (its last state is already in the file). */
  close(): void {
    if (this.flash.store !== undefined) this.flash.store = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(at: number, bytes: Uint8Array, sync = true): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, bytes, 0, bytes.length, at);
    if (sync) fdatasyncSync(this.fd);
  }
}

function syncPath(file: string, folder: string): void {
  const fd = openSync(file, "r");
  fsyncSync(fd);
  closeSync(fd);
  try {
    const dir = openSync(folder, "r");
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    // Some file systems do not sync folders; the file itself is synced.
  }
}

/**
 * Saves a simulated flash to a file, whole (written to a temporary file and
 * renamed, so a crash mid-save leaves the old file). A board that runs keeps
 * its file with FlashFile instead, change by change.
 */
export function saveFlash(flash: SimFlash, path: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, encodeWhole(flash));
  renameSync(tmp, path);
}

/** Loads a flash file; a file of another geometry or format is refused with a FlashFileError that says so. */
export function loadFlash(path: string, expected?: FlashGeometry): SimFlash {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (error) {
    throw new FlashFileError(path, `--flash ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (file.subarray(0, MAGIC.length).toString() !== MAGIC) throw new FlashFileError(path, `${path} is not a Hearth flash image`);
  const end = file.indexOf(0x0a, MAGIC.length);
  let geometry: FlashGeometry;
  try {
    geometry = JSON.parse(file.subarray(MAGIC.length, end).toString()) as FlashGeometry;
  } catch {
    throw new FlashFileError(path, `${path} has a damaged header`);
  }
  if (expected !== undefined && (geometry.sizeBytes !== expected.sizeBytes || geometry.sectorBytes !== expected.sectorBytes || geometry.programBytes !== expected.programBytes)) {
    throw new FlashFileError(path, `${path} holds a ${geometry.sizeBytes}-byte flash of ${geometry.sectorBytes}-byte sectors, not the board's`);
  }
  const { countsAt, cellsAt, bytes } = layoutOf(geometry);
  if (end + 1 !== countsAt || file.length !== bytes) throw new FlashFileError(path, `${path} is truncated or padded (${file.length} bytes)`);
  const flash = new SimFlash(geometry, new Uint8Array(file.subarray(cellsAt)));
  flash.eraseCounts.set(new Uint32Array(file.buffer.slice(file.byteOffset + countsAt, file.byteOffset + cellsAt)));
  return flash;
}
