import { sha256 } from "@noble/hashes/sha2.js";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import type { Bootloader } from "../../../../os/boot/bootloader.js";
import { encodeFrame, FrameReader, FrameType, SerialLoader } from "../../../../os/boot/serial-loader.js";
import { ImageError, parseImage, type Image } from "../../../../os/boot/image.js";

const CHUNK = 512;

export class FlashError extends Error {
  override readonly name = "FlashError";
}

/** How long the host waits for an answer before it sends the command again, and how often. */
const ANSWER_MS = 400;
const ATTEMPTS = 6;

/** A byte link to a board: a TCP socket (simulated board) or a UART (a real one). */
export interface ByteLink {
  write(bytes: Uint8Array): void;
  onData(listener: (bytes: Uint8Array) => void): void;
  /** The other end closed (the board stopped, the cable came out). */
  onClose(listener: () => void): void;
  close(): void;
}

/**
 * Writes an image to a board over its serial bootloader port (os/boot/FLASHING.md):
 * sync, begin, write in chunks, verify (hash, signature, board, counter, on
 * the board), boot. A command not answered in time (a frame lost or damaged
 * on the line) is sent again; every command may be repeated safely.
 * `address` is HOST:PORT for a simulated board, or a serial device
 * (/dev/ttyUSB0, COM3) for a real one, through the optional package
 * serialport. Node-only.
 */
export async function flashImage(address: string, image: Uint8Array, onProgress: (done: number, total: number) => void = () => undefined): Promise<{ board: string }> {
  const header = checkedImage(image); // before the board hears a byte, as esptool checks a header
  const link = await openBoardLink(address);
  const reader = new FrameReader();
  const replies: { type: number; payload: Uint8Array }[] = [];
  let wake: (() => void) | undefined;
  link.onData((data) => {
    replies.push(...reader.push(data));
    wake?.();
  });
  const command = async (type: number, payload?: Uint8Array): Promise<Uint8Array> => {
    const frame = encodeFrame(type, payload);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      replies.length = 0;
      link.write(frame);
      const deadline = Date.now() + ANSWER_MS * (attempt + 1);
      while (replies.length === 0 && Date.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      const reply = replies.shift();
      if (reply === undefined) continue;
      if (reply.type === FrameType.err) throw new FlashError(`the board refused: ${String.fromCharCode(...reply.payload.subarray(1))}`);
      return reply.payload;
    }
    throw new FlashError(`the board did not answer command 0x${type.toString(16)} (${ATTEMPTS} tries)`);
  };
  try {
    const hello = await command(FrameType.sync);
    const board = String.fromCharCode(...hello.subarray(1));
    if (board !== header.board) throw new FlashError(`the image is for board ${header.board}; this board is ${board}: nothing was written`);
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, image.length, true);
    await command(FrameType.begin, size);
    for (let offset = 0; offset < image.length; offset += CHUNK) {
      const chunk = image.subarray(offset, Math.min(image.length, offset + CHUNK));
      const payload = new Uint8Array(4 + chunk.length);
      new DataView(payload.buffer).setUint32(0, offset, true);
      payload.set(chunk, 4);
      await command(FrameType.write, payload);
      onProgress(Math.min(image.length, offset + CHUNK), image.length);
    }
    await command(FrameType.verify, sha256(image));
    await command(FrameType.boot);
    return { board };
  } finally {
    link.close();
  }
}

/** The image's header, and its bundle against the hash in it: a file that is not an image, or is cut short or damaged, throws ImageError. */
export function checkedImage(bytes: Uint8Array): Image {
  const image = parseImage(bytes);
  const hash = sha256(image.bundle);
  if (!hash.every((b, i) => b === image.bundleSha256[i])) throw new ImageError("hash-mismatch", "its bundle does not match the SHA-256 in its header (damaged)");
  if (bytes.length !== image.bytes.length) throw new ImageError("size-mismatch", `${bytes.length - image.bytes.length} bytes follow its signature`);
  return image;
}

/** A board's bootloader port as `hearth flash --port` takes it: HOST:PORT (or PORT, on 127.0.0.1), or a serial device. */
export function isBoardAddress(address: string): boolean {
  if (isSerialDevice(address)) return true;
  const m = /^(?:([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):)?(\d{1,5})$/.exec(address);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

function isSerialDevice(address: string): boolean {
  return address.startsWith("/dev/") || /^COM\d+$/i.test(address);
}

/** A board's port: a serial device through the optional package serialport, or TCP HOST:PORT (a simulated board). */
export function openBoardLink(address: string): Promise<ByteLink> {
  return isSerialDevice(address) ? openUart(address) : openTcp(address);
}

async function openTcp(address: string): Promise<ByteLink> {
  const [host, portText] = address.includes(":") ? (address.split(":") as [string, string]) : ["127.0.0.1", address];
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(Number(portText), host, () => resolve(s));
    s.once("error", (e) => reject(new FlashError(`cannot reach the board at ${address}: ${e.message}`)));
  });
  let lost: Error | undefined;
  socket.on("error", (e) => (lost = e));
  return {
    write: (bytes) => {
      if (lost !== undefined || socket.destroyed) throw new FlashError(`lost the connection to the board at ${address}${lost ? `: ${lost.message}` : ""}`);
      socket.write(bytes);
    },
    onData: (listener) => socket.on("data", (data: Buffer) => listener(new Uint8Array(data))),
    onClose: (listener) => socket.on("close", listener),
    close: () => socket.end(),
  };
}

/** A UART through the package serialport, loaded only when a serial device is named (it is not a dependency). */
async function openUart(path: string): Promise<ByteLink> {
  const name = "serialport";
  const module = (await import(name).catch(() => {
    throw new FlashError(`${path} is a serial device: install the package serialport (npm install serialport) to flash over a UART`);
  })) as { SerialPort: new (o: { path: string; baudRate: number }) => NodeJS.ReadWriteStream & { close(): void; once(e: "open" | "error", f: (e?: Error) => void): void } };
  const port = new module.SerialPort({ path, baudRate: Number(process.env["HEARTH_BAUD"] ?? 921_600) });
  await new Promise<void>((resolve, reject) => {
    port.once("open", () => resolve());
    port.once("error", (e) => reject(new FlashError(`cannot open ${path}: ${e?.message ?? "error"}`)));
  });
  return {
    write: (bytes) => void port.write(bytes),
    onData: (listener) => port.on("data", (data: Buffer) => listener(new Uint8Array(data))),
    onClose: (listener) => port.on("close", listener),
    close: () => port.close(),
  };
}

/** A simulated board's serial bootloader port, on loopback. Node-only. */
export async function startBoardPort(o: { bootloader: () => Bootloader; board: string; port?: number; onReset: () => void }): Promise<{ port: number; close(): Promise<void>; dropped(): number }> {
  const open = new Set<Socket>();
  const loaders: SerialLoader[] = [];
  const server = createServer((socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
    // Each connection talks to the bootloader of the boot it arrives in.
    const loader = new SerialLoader(o.bootloader(), o.board, (bytes) => socket.write(bytes), o.onReset);
    loaders.push(loader);
    socket.on("data", (data: Buffer) => loader.feed(new Uint8Array(data)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject); // a busy port: the caller says so
    server.listen(o.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    dropped: () => loaders.reduce((sum, l) => sum + l.dropped, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
