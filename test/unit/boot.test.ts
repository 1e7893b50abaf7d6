import { describe, expect, it } from "vitest";
import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { Bootloader, installConfirmed, type BootLayout } from "../../os/boot/bootloader.js";
import { ImageError, verifyImage } from "../../os/boot/image.js";
import { buildImage, newKeyPair, verifyEd25519 } from "../../os/boot/signing.js";

const keys = newKeyPair(new Uint8Array(32).fill(7));
const BOARD = "aircon-indoor";

function image(version: [number, number, number], counter: number, size = 9000, fill = version[1]) {
  const bundle = new Uint8Array(size);
  for (let i = 0; i < size; i++) bundle[i] = (i * 31 + fill) & 0xff;
  return buildImage({ board: BOARD, version, securityCounter: counter }, bundle, keys.secretKey);
}

const h1Layout: BootLayout = { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") };
/** A second layout: small sectors, small slots. */
const smallLayout: BootLayout = {
  boot: { offset: 0, size: 16 * 512 },
  slotA: { offset: 16 * 512, size: 40 * 512 },
  slotB: { offset: 56 * 512, size: 40 * 512 },
};
const LAYOUTS = [
  { name: "H1 flash map, 4 KiB sectors", layout: h1Layout, geometry: { sizeBytes: H1.flash.sizeBytes, sectorBytes: 4096, programBytes: 16 } },
  { name: "512 B sectors", layout: smallLayout, geometry: { sizeBytes: 96 * 512, sectorBytes: 512, programBytes: 16 } },
];

describe("firmware images", () => {
  it("verify when intact; any flipped byte, another key, another board or an old counter is refused by name", () => {
    const img = image([1, 2, 3], 5);
    expect(verifyImage(img.bytes, keys.publicKey, { board: BOARD, minCounter: 5 }, verifyEd25519).version).toEqual([1, 2, 3]);
    for (const at of [0, 10, 40, 60, 96, 500, img.bytes.length - 1]) {
      const bad = img.bytes.slice();
      bad[at] = (bad[at] as number) ^ 0x01;
      expect(() => verifyImage(bad, keys.publicKey, { board: BOARD, minCounter: 0 }, verifyEd25519)).toThrow(ImageError);
    }
    expect(() => verifyImage(img.bytes, newKeyPair(new Uint8Array(32).fill(9)).publicKey, { board: BOARD, minCounter: 0 }, verifyEd25519)).toThrow(/signature/);
    expect(() => verifyImage(img.bytes, keys.publicKey, { board: "fridge", minCounter: 0 }, verifyEd25519)).toThrow(/for board aircon-indoor/);
    expect(() => verifyImage(img.bytes, keys.publicKey, { board: BOARD, minCounter: 6 }, verifyEd25519)).toThrow(/rolled|below 6/);
    expect(() => verifyImage(img.bytes.subarray(0, 100), keys.publicKey, { board: BOARD, minCounter: 0 }, verifyEd25519)).toThrow(/at least 160 bytes/);
  });
});

describe("bootloader", () => {
  const setup = (layout: BootLayout, geometry: { sizeBytes: number; sectorBytes: number; programBytes: number }) => {
    const flash = new SimFlash(geometry);
    const old = image([1, 0, 0], 1, 9000, 1);
    installConfirmed(flash, layout, keys.publicKey, BOARD, verifyEd25519, old.bytes);
    return { flash, old };
  };

  it("tries a new image once: confirmed, it stays; not confirmed, the next reset reverts; the counter only rises", () => {
    const { flash, old } = setup(h1Layout, LAYOUTS[0]!.geometry);
    const next = image([1, 1, 0], 2, 12_000, 2);
    let boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    boot.writeImage(next.bytes);
    boot.install();
    boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519); // reset
    expect(boot.boot()).toMatchObject({ trial: true, image: { version: [1, 1, 0] } });
    boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519); // reset without confirming
    expect(boot.boot()).toMatchObject({ trial: false, image: { version: [1, 0, 0] } });
    expect(boot.decisions.map((d) => d.what)).toContain("revert");

    boot.writeImage(next.bytes);
    boot.install();
    boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    boot.boot();
    boot.confirm();
    boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    expect(boot.boot()).toMatchObject({ trial: false, image: { version: [1, 1, 0] } });
    expect(boot.securityCounter).toBe(2);
    // The old image (counter 1) can no longer be installed: rollback refused.
    boot.writeImage(old.bytes);
    expect(() => boot.install()).toThrow(/below 2/);
  });

  for (const { name, layout, geometry } of LAYOUTS) {
    it(`${name}: a power cut at every flash operation of an update leaves a valid image within two boots`, () => {
      const { flash: base, old } = setup(layout, geometry);
      const next = image([2, 0, 0], 3, 9000, 9);
      // Count the operations of a clean update: write, install, boot (trial), confirm.
      const update = (flash: SimFlash): void => {
        let boot = new Bootloader(flash, layout, keys.publicKey, BOARD, verifyEd25519);
        boot.writeImage(next.bytes);
        boot.install();
        boot = new Bootloader(flash, layout, keys.publicKey, BOARD, verifyEd25519);
        boot.boot();
        boot.confirm();
      };
      const clean = base.clone();
      const start = clean.ops;
      update(clean);
      const total = clean.ops - start;
      expect(total).toBeGreaterThan(6);
      const seen = new Set<string>();
      for (let k = 0; k <= total; k++) {
        const flash = base.clone();
        flash.cutPowerAfter(k);
        try {
          update(flash);
        } catch (error) {
          expect((error as { kind?: string }).kind).toBe("power-cut");
        }
        flash.powerOn();
        // Up to two boots (the first may try the new image and not confirm it).
        let outcome: string | undefined;
        for (let b = 0; b < 2 && outcome === undefined; b++) {
          const boot = new Bootloader(flash, layout, keys.publicKey, BOARD, verifyEd25519);
          const { slot, image: img, trial } = boot.boot();
          const bytes = boot.readSlot(slot);
          const isOld = bytes.length === old.bytes.length && bytes.every((x, i) => x === old.bytes[i]);
          const isNew = bytes.length === next.bytes.length && bytes.every((x, i) => x === next.bytes[i]);
          expect(isOld || isNew).toBe(true); // the slot that runs holds exactly the old or the new image
          if (!trial) outcome = img.version[0] === 1 ? "old" : "new";
        }
        expect(outcome).toBeDefined();
        seen.add(outcome as string);
        expect(flash.nonErasedPrograms).toBe(0);
      }
      expect(seen).toEqual(new Set(["old", "new"]));
    });
  }
});

describe("flashing over the serial bootloader port", () => {
  it("writes, verifies and boots an image; refuses one signed with another key; survives line noise", async () => {
    const { flashImage, startBoardPort } = await import("../../sdk/desk/node/tools/flasher.js");
    const { FrameReader, encodeFrame, FrameType } = await import("../../os/boot/serial-loader.js");
    const flash = new SimFlash(LAYOUTS[0]!.geometry);
    let boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    let resets = 0;
    const port = await startBoardPort({ bootloader: () => boot, board: BOARD, onReset: () => void resets++ });
    try {
      const img = image([3, 1, 4], 1, 20_000, 4);
      const progress: number[] = [];
      const { board } = await flashImage(`127.0.0.1:${port.port}`, img.bytes, (done) => progress.push(done));
      expect(board).toBe(BOARD);
      expect(progress[progress.length - 1]).toBe(img.bytes.length);
      expect(resets).toBe(1);
      boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519); // the board resets
      expect(boot.boot()).toMatchObject({ trial: true, image: { version: [3, 1, 4] } });

      const other = newKeyPair(new Uint8Array(32).fill(1));
      boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
      const forged = buildImage({ board: BOARD, version: [6, 6, 6], securityCounter: 9 }, new Uint8Array(100), other.secretKey);
      await expect(flashImage(`127.0.0.1:${port.port}`, forged.bytes)).rejects.toThrow(/refused: .*signature/);

      // Frames survive garbage between them and drop a frame whose CRC fails.
      const reader = new FrameReader();
      const good = encodeFrame(FrameType.sync);
      const bad = encodeFrame(FrameType.boot);
      bad[5] = (bad[5] as number) ^ 0xff;
      const frames = reader.push(Uint8Array.of(1, 2, 3, ...good, ...bad, 0x7e, ...good));
      expect(frames.map((f) => f.type)).toEqual([FrameType.sync, FrameType.sync]);
    } finally {
      await port.close();
    }
  });
});

describe("a short or empty image over the serial port (bypassing hearth flash's own check)", () => {
  it("is refused by the board as too short to be an image, not as bytes after a signature", async () => {
    const { startBoardPort } = await import("../../sdk/desk/node/tools/flasher.js");
    const { FrameReader, encodeFrame, FrameType } = await import("../../os/boot/serial-loader.js");
    const { sha256 } = await import("@noble/hashes/sha2.js");
    const { connect } = await import("node:net");
    const flash = new SimFlash(LAYOUTS[0]!.geometry);
    const boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    const port = await startBoardPort({ bootloader: () => boot, board: BOARD, onReset: () => undefined });
    const socket = connect(port.port, "127.0.0.1");
    const reader = new FrameReader();
    const replies: { type: number; payload: Uint8Array }[] = [];
    socket.on("data", (d: Buffer) => replies.push(...reader.push(new Uint8Array(d))));
    const ask = async (type: number, payload?: Uint8Array): Promise<{ type: number; text: string }> => {
      replies.length = 0;
      socket.write(encodeFrame(type, payload));
      for (let i = 0; i < 100 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const reply = replies[0] as { type: number; payload: Uint8Array };
      return { type: reply.type, text: String.fromCharCode(...reply.payload.subarray(1)) };
    };
    try {
      await new Promise((r) => socket.once("connect", r));
      for (const bytes of [new Uint8Array(10).fill(1), new Uint8Array(0)]) {
        const size = new Uint8Array(4);
        new DataView(size.buffer).setUint32(0, bytes.length, true);
        expect((await ask(FrameType.begin, size)).type).toBe(FrameType.ok);
        if (bytes.length > 0) expect((await ask(FrameType.write, Uint8Array.of(0, 0, 0, 0, ...bytes))).type).toBe(FrameType.ok);
        const verdict = await ask(FrameType.verify, sha256(bytes));
        expect(verdict.type).toBe(FrameType.err);
        expect(verdict.text).toMatch(new RegExp(`an image needs at least 160 bytes, got ${bytes.length}`));
        expect(verdict.text).not.toMatch(/after its signature/);
      }
    } finally {
      socket.destroy();
      await port.close();
    }
  });
});

describe("flashing over a bad line", () => {
  /** A TCP proxy to the board that can damage or cut what the host sends. */
  async function proxy(boardPort: number, tamper: (frameIndex: number, bytes: Uint8Array, cut: () => void) => Uint8Array | undefined) {
    const { createServer, connect } = await import("node:net");
    let frames = 0;
    const server = createServer((client) => {
      const board = connect(boardPort, "127.0.0.1");
      board.on("data", (d) => client.write(d));
      client.on("data", (d: Buffer) => {
        const out = tamper(frames++, new Uint8Array(d), () => {
          client.destroy();
          board.destroy();
        });
        if (out !== undefined && !board.destroyed) board.write(out);
      });
      client.on("close", () => board.destroy());
      client.on("error", () => board.destroy());
      board.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { port: (server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it("a frame damaged on the line is refused by its CRC and sent again; a connection cut halfway is completed by running again", async () => {
    const { flashImage, startBoardPort } = await import("../../sdk/desk/node/tools/flasher.js");
    const flash = new SimFlash(LAYOUTS[0]!.geometry);
    let boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    const board = await startBoardPort({ bootloader: () => boot, board: BOARD, onReset: () => undefined });
    const img = image([4, 0, 0], 1, 30_000, 5);
    try {
      // Damage frame 7 (a write): one payload byte flipped, the CRC no longer holds.
      const noisy = await proxy(board.port, (i, bytes) => {
        if (i !== 7) return bytes;
        const bad = bytes.slice();
        bad[20] = (bad[20] as number) ^ 0x10;
        return bad;
      });
      await flashImage(`127.0.0.1:${noisy.port}`, img.bytes);
      await noisy.close();
      expect(board.dropped()).toBeGreaterThan(0); // the damaged frame was refused, and the host sent it again
      boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
      expect(boot.boot()).toMatchObject({ trial: true, image: { version: [4, 0, 0] } });
      boot.confirm();

      // Cut the line halfway through the next image: the host says so; a second run completes.
      const next = image([5, 0, 0], 2, 30_000, 6);
      const cutting = await proxy(board.port, (i, bytes, cut) => (i === 30 ? (cut(), undefined) : bytes));
      await expect(flashImage(`127.0.0.1:${cutting.port}`, next.bytes)).rejects.toThrow(/did not answer|lost the connection/);
      await cutting.close();
      boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
      expect(boot.boot()).toMatchObject({ trial: false, image: { version: [4, 0, 0] } }); // half an image is never installed
      await flashImage(`127.0.0.1:${board.port}`, next.bytes);
      boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
      expect(boot.boot()).toMatchObject({ trial: true, image: { version: [5, 0, 0] } });
      expect(flash.nonErasedPrograms).toBe(0);
    } finally {
      await board.close();
    }
  }, 30_000);
});

describe("images the bootloader refuses, with the running slot untouched", () => {
  it("a bit flipped at every byte of the header and trailer and at sampled bundle offsets, a truncated, an oversized image", () => {
    const flash = new SimFlash(LAYOUTS[0]!.geometry);
    let boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    const old = image([1, 0, 0], 1, 9000, 1);
    boot.writeImage(old.bytes);
    boot.install();
    new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519).boot();
    new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519).confirm();
    boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    const running = boot.activeSlot;
    const before = boot.readSlot(running);
    const next = image([1, 1, 0], 2, 12_000, 2);
    const n = next.bytes.length;
    const offsets = [...Array.from({ length: 96 }, (_, i) => i), ...Array.from({ length: 64 }, (_, i) => n - 64 + i)];
    for (let at = 96; at < n - 64; at += 97) offsets.push(at);
    const problems = new Map<string, number>();
    const refuse = (bytes: Uint8Array, where: string): void => {
      let problem: string | undefined;
      try {
        boot.writeImage(bytes);
        boot.install();
      } catch (error) {
        problem = (error as { problem?: string }).problem ?? (error as Error).name;
      }
      expect(problem, where).toBeDefined();
      problems.set(problem as string, (problems.get(problem as string) ?? 0) + 1);
    };
    for (const at of offsets) {
      for (const bit of [0x01, 0x80]) {
        const bad = next.bytes.slice();
        bad[at] = (bad[at] as number) ^ bit;
        refuse(bad, `bit ${bit} of byte ${at}`);
      }
    }
    refuse(next.bytes.subarray(0, n - 1), "truncated by a byte");
    refuse(next.bytes.subarray(0, 200), "truncated to 200 bytes");
    refuse(new Uint8Array(h1Layout.slotB.size + 1), "oversized");
    // Every refusal named its cause; none got the image installed, and the running slot never changed.
    expect([...problems.keys()].every((p) => ["bad-magic", "unknown-format", "bad-header", "truncated", "hash-mismatch", "bad-signature", "wrong-board", "BootError"].includes(p))).toBe(true);
    expect(problems.get("bad-signature")).toBeGreaterThan(100);
    expect(problems.get("hash-mismatch")).toBeGreaterThan(50);
    boot = new Bootloader(flash, h1Layout, keys.publicKey, BOARD, verifyEd25519);
    expect(boot.activeSlot).toBe(running);
    expect(Array.from(boot.readSlot(running))).toEqual(Array.from(before));
    expect(boot.boot()).toMatchObject({ slot: running, trial: false, image: { version: [1, 0, 0] } });
  });
});
