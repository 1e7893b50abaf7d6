import { sha256 } from "@noble/hashes/sha2.js";
import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { Bootloader } from "../../os/boot/bootloader.js";
import { verifyImage, type Image } from "../../os/boot/image.js";
import { buildImage, verifyEd25519 } from "../../os/boot/signing.js";
import { PacedClock } from "../../os/node/host-clock.js";
import { Cloud } from "../../sdk/cloud/cloud.js";
import { flashImage, startBoardPort } from "../../sdk/desk/node/tools/flasher.js";
import { loadBundle } from "../../sdk/desk/node/host/load-bundle.js";
import { MqttTransport } from "../../sdk/desk/node/mqtt/transport.js";
import type { UpdateClientOptions } from "../../sdk/device/ota/update-client.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { app } from "../../examples/aircon/app.js";
import { airconModel } from "../../examples/aircon/model.js";
import { airconImage, BOARD, factoryFlash, keys } from "../support/ota.js";
import { benchBroker } from "./broker.js";
import { report } from "./table.js";

/** The air conditioner's bundle with a comment appended: a valid image of any size, to measure throughput. */
function padded(base: Image, bytes: number, version: [number, number, number]): Image {
  const tail = new TextEncoder().encode(`\n/*${"x".repeat(Math.max(0, bytes - base.bundle.length - 5))}*/`);
  const bundle = new Uint8Array(base.bundle.length + tail.length);
  bundle.set(base.bundle);
  bundle.set(tail, base.bundle.length);
  return buildImage({ board: BOARD, version, securityCounter: 2 }, bundle, keys.secretKey);
}

/** From the offer until the device has the image downloaded and verified, in real time through `url`. */
async function download(url: string, image: Image, updates: UpdateClientOptions, tag: string): Promise<number> {
  const v1 = await airconImage([1, 0, 0], 1);
  const clock = new PacedClock(1, 1);
  const sim = new HostEngineBoard(app, { clock, flash: factoryFlash(v1), images: { publicKey: keys.publicKey, checkSignature: verifyEd25519, load: loadBundle, updates } });
  clock.start();
  sim.connect(() => new MqttTransport({ url, clientId: `bench-ota-${tag}` }), `bench-ota-${tag}`);
  const cloud = new Cloud(new MqttTransport({ url, clientId: `bench-ota-cloud-${tag}` }), [airconModel]);
  await cloud.start();
  const deadline = Date.now() + 20_000;
  while (sim.link?.state !== "up" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300)); // the hello is answered
  const start = performance.now();
  const rollout = cloud.rollout({ image: image.bytes, devices: [`bench-ota-${tag}`] });
  while (rollout.devices.get(`bench-ota-${tag}`)?.phase !== "ready" && Date.now() < deadline + 60_000) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - start;
  if (rollout.devices.get(`bench-ota-${tag}`)?.phase !== "ready") throw new Error(`download did not finish: ${JSON.stringify(rollout.devices.get(`bench-ota-${tag}`))}`);
  await cloud.stop();
  await sim.link?.stop();
  clock.stop();
  return ms;
}

export async function otaBench(): Promise<void> {
  const aircon = await airconImage([1, 1, 0], 2);
  // Verify: hash and Ed25519 signature of the air conditioner's image, best of many.
  let verifyMs = Infinity;
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    verifyImage(aircon.bytes, keys.publicKey, { board: BOARD, minCounter: 0 }, verifyEd25519);
    verifyMs = Math.min(verifyMs, performance.now() - t);
  }
  const shaMbPerS = (() => {
    const data = new Uint8Array(1 << 20);
    const t = performance.now();
    for (let i = 0; i < 8; i++) sha256(data);
    return 8 / ((performance.now() - t) / 1000);
  })();

  const big = padded(aircon, 256 * 1024, [1, 1, 0]);
  const broker = await benchBroker();
  let small: number;
  let defaults: number;
  let wide: number;
  try {
    small = await download(broker.url, aircon, {}, "a");
    defaults = await download(broker.url, big, {}, "b");
    wide = await download(broker.url, big, { chunkBytes: 4096, window: 8 }, "c");
  } finally {
    await broker.stop();
  }

  // Flashing a simulated board over its serial port (TCP on loopback).
  const flash = new SimFlash(H1.flash);
  const layout = { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") };
  const port = await startBoardPort({ bootloader: () => new Bootloader(flash, layout, keys.publicKey, BOARD, verifyEd25519), board: BOARD, onReset: () => undefined });
  const t = performance.now();
  await flashImage(`127.0.0.1:${port.port}`, big.bytes);
  const flashMs = performance.now() - t;
  await port.close();

  const kib = big.bytes.length / 1024;
  report(
    "ota",
    {
      aircon_image_bytes: aircon.bytes.length,
      verify_ms_node: Number(verifyMs.toFixed(3)),
      sha256_mib_per_s: Math.round(shaMbPerS),
      ota_aircon_download_ms: Math.round(small),
      ota_download_kib_per_s: Math.round(kib / (defaults / 1000)),
      ota_download_wide_kib_per_s: Math.round(kib / (wide / 1000)),
      wide_over_default: Number((defaults / wide).toFixed(2)),
      flash_kib_per_s: Math.round(kib / (flashMs / 1000)),
    },
    {
      verify_ms_node: "SHA-256 + Ed25519 (@noble) of the air conditioner's image, best of 200",
      ota_aircon_download_ms: `offer to verified, the air conditioner's image, ${broker.name}`,
      ota_download_kib_per_s: `256 KiB image, 1 KiB chunks, 4 outstanding (the defaults), ${broker.name}`,
      ota_download_wide_kib_per_s: "the same with 4 KiB chunks, 8 outstanding",
      flash_kib_per_s: "256 KiB over the serial protocol to a simulated board (TCP), 512-byte writes",
    },
  );
}
