import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { H1, partition } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { loadFlash, saveFlash } from "../../hal/sim/node/flash-file.js";
import { Bootloader } from "../../os/boot/bootloader.js";
import { newKeyPair } from "../../os/boot/image.js";
import { buildFirmware } from "./build.js";
import { hexOption, numberOption, UsageError } from "./cli-options.js";
import { flashImage, startBoardPort } from "./flasher.js";

/** The CLI's firmware commands: keys new, build, flash, board. Node-only. */
export function keysNew(rest: string[], values: { out?: string | undefined }): number {
  if (rest[0] !== "new" || values.out === undefined) throw new UsageError("try hearth keys new --out DIR");
  mkdirSync(values.out, { recursive: true });
  const keyFile = join(values.out, "hearth.key");
  if (existsSync(keyFile)) throw new UsageError(`${keyFile} exists; a new key would orphan every image signed with it`);
  const { secretKey, publicKey } = newKeyPair();
  writeFileSync(keyFile, `${Buffer.from(secretKey).toString("hex")}\n`, { mode: 0o600 });
  writeFileSync(join(values.out, "hearth.pub"), `${Buffer.from(publicKey).toString("hex")}\n`);
  console.log(`wrote ${keyFile} (secret: keep it off the appliance) and ${join(values.out, "hearth.pub")}`);
  return 0;
}

export async function buildCommand(
  rest: string[],
  values: { board?: string | undefined; key?: string | undefined; "fw-version"?: string | undefined; out?: string | undefined; counter?: string | undefined },
): Promise<number> {
  const path = rest[0];
  if (path === undefined || values.board === undefined || values.key === undefined) throw new UsageError("try hearth build PATH --board B --key FILE");
  const secretKey = hexOption("key", readFileSync(values.key, "utf8").trim());
  const versionText = values["fw-version"] ?? "1.0.0";
  if (!/^\d{1,5}\.\d{1,5}\.\d{1,5}$/.test(versionText)) throw new UsageError(`--fw-version must be major.minor.patch, got ${versionText}`);
  const version = versionText.split(".").map(Number) as [number, number, number];
  const { image, sizeByPart } = await buildFirmware({
    entry: path,
    board: values.board,
    version,
    securityCounter: numberOption("counter", values.counter ?? "0", 0, 0xffffffff),
    secretKey,
  }).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  const out = values.out ?? `${basename(resolve(path))}.hfw`;
  writeFileSync(out, image.bytes);
  console.log(`${out}: ${image.bytes.length} bytes (header 96, bundle ${image.bundleBytes}, signature 64), board ${image.board}, version ${image.version.join(".")}`);
  for (const [part, bytes] of Object.entries(sizeByPart).sort((a, b) => b[1] - a[1])) console.log(`  ${part.padEnd(28)} ${String(bytes).padStart(7)} bytes`);
  return 0;
}

export async function flashCommand(rest: string[], values: { port?: string | undefined }): Promise<number> {
  const file = rest[0];
  if (file === undefined || values.port === undefined) throw new UsageError("try hearth flash IMAGE --port HOST:PORT");
  const image = new Uint8Array(readFileSync(file));
  const live = process.stdout.isTTY;
  const { board } = await flashImage(values.port, image, (done, total) => {
    const width = 30;
    const bar = "#".repeat(Math.round((done / total) * width)).padEnd(width, ".");
    if (live) process.stdout.write(`\r[${bar}] ${done}/${total} bytes`);
  }).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  process.stdout.write(`${live ? "\n" : ""}flashed ${image.length} bytes to board ${board}: verified, booting\n`);
  return 0;
}

export async function boardCommand(rest: string[], values: { pub?: string | undefined; flash?: string | undefined; port?: string | undefined }): Promise<number> {
  const board = rest[0];
  if (board === undefined || values.pub === undefined) throw new UsageError("try hearth board BOARD --pub FILE [--flash FILE] [--port P]");
  const publicKey = hexOption("pub", readFileSync(values.pub, "utf8").trim());
  const flash = values.flash !== undefined && existsSync(values.flash) ? loadFlash(values.flash, H1.flash) : new SimFlash(H1.flash);
  const layout = { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") };
  let bootloader = new Bootloader(flash, layout, publicKey, board);
  const bootNow = (): void => {
    if (values.flash !== undefined) saveFlash(flash, values.flash);
    bootloader = new Bootloader(flash, layout, publicKey, board);
    try {
      const { slot, image, trial } = bootloader.boot();
      console.log(`booted slot ${slot}: firmware ${image.version.join(".")}${trial ? " (trial: it must confirm, or the next reset reverts)" : ""}`);
    } catch (error) {
      console.log(`no valid image (${(error as Error).message}): waiting for hearth flash`);
    }
    for (const d of bootloader.decisions) console.log(`  boot: ${d.what}: ${d.why}`);
  };
  bootNow();
  let resetting = false;
  const server = await startBoardPort({
    bootloader: () => bootloader,
    board,
    ...(values.port === undefined ? {} : { port: numberOption("port", values.port, 0, 65535) }),
    onReset: () => {
      if (resetting) return;
      resetting = true;
      setImmediate(() => {
        resetting = false;
        bootNow();
      });
    },
  });
  console.log(`board ${board}: bootloader port 127.0.0.1:${server.port} (hearth flash IMAGE --port 127.0.0.1:${server.port})`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  if (values.flash !== undefined) saveFlash(flash, values.flash);
  return 0;
}
