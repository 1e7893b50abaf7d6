import { sha256 } from "@noble/hashes/sha2.js";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import type { Bootloader } from "../../os/boot/bootloader.js";
import { encodeFrame, FrameReader, FrameType, SerialLoader } from "../../os/boot/serial-loader.js";

const CHUNK = 512;

export class FlashError extends Error {
  override readonly name = "FlashError";
}

/**
 * Writes an image to a board over its serial bootloader port (a TCP socket
 * here; a UART on a real board): sync, begin, write in chunks, verify (hash,
 * signature, board, counter, on the board), boot. Node-only.
 */
export async function flashImage(address: string, image: Uint8Array, onProgress: (done: number, total: number) => void = () => undefined): Promise<{ board: string }> {
  const [host, portText] = address.includes(":") ? (address.split(":") as [string, string]) : ["127.0.0.1", address];
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(Number(portText), host, () => resolve(s));
    s.once("error", (e) => reject(new FlashError(`cannot reach the board at ${address}: ${e.message}`)));
  });
  const reader = new FrameReader();
  const replies: { type: number; payload: Uint8Array }[] = [];
  let wake: (() => void) | undefined;
  socket.on("data", (data: Buffer) => {
    replies.push(...reader.push(new Uint8Array(data)));
    wake?.();
  });
  const command = async (type: number, payload?: Uint8Array): Promise<Uint8Array> => {
    socket.write(encodeFrame(type, payload));
    const deadline = Date.now() + 5000;
    while (replies.length === 0) {
      if (Date.now() > deadline) throw new FlashError(`the board did not answer command 0x${type.toString(16)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
    const reply = replies.shift() as { type: number; payload: Uint8Array };
    if (reply.type === FrameType.err) throw new FlashError(`the board refused: ${String.fromCharCode(...reply.payload.subarray(1))}`);
    return reply.payload;
  };
  try {
    const hello = await command(FrameType.sync);
    const board = String.fromCharCode(...hello.subarray(1));
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
    socket.end();
  }
}

/** A simulated board's serial bootloader port, on loopback. Node-only. */
export async function startBoardPort(o: { bootloader: () => Bootloader; board: string; port?: number; onReset: () => void }): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((socket) => {
    // Each connection talks to the bootloader of the boot it arrives in.
    const loader = new SerialLoader(o.bootloader(), o.board, (bytes) => socket.write(bytes), o.onReset);
    socket.on("data", (data: Buffer) => loader.feed(new Uint8Array(data)));
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
