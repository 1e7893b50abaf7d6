/**
 * A board whose flash lives in a file, run until it is killed (test/fault/flash-file-kill.test.ts):
 * the air conditioner boots from images, a cloud in this process changes its target over and
 * over and rolls out an update. It prints, one line each, what it found at boot and what the
 * cloud saw acknowledged (and how the update ended), so the parent can check the file after a kill -9.
 *   node flash-kill-child.js FLASH FACTORY_IMAGE UPDATE_IMAGE SEED
 */
import { readFileSync } from "node:fs";
import { H1, partition } from "../../hal/h1.js";
import { FlashFile } from "../../hal/sim/node/flash-file.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { BOARD, keys, otaSetup } from "./ota.js";

const [path, factoryPath, updatePath, seedText] = process.argv.slice(2) as [string, string, string, string];
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const file = FlashFile.open(path, H1.flash);
if (file.fresh) installConfirmed(file.flash, { boot: partition("boot"), slotA: partition("slotA"), slotB: partition("slotB") }, keys.publicKey, BOARD, verifyEd25519, readFileSync(factoryPath));
// Small chunks, one at a time: the download takes long enough for kills to land in it.
const { sim, cloud, run, settle } = otaSetup(file.flash, { updates: { chunkBytes: 256, window: 1 } });
const job = (): number | undefined => {
  const saved = sim.storage.kv.has("ota/job") ? (sim.storage.kv.getCbor("ota/job") as unknown[]) : undefined;
  return typeof saved?.[5] === "number" ? saved[5] : undefined;
};
const trial = sim.bootloader?.decisions.some((d) => d.what === "trial") === true;
say(`boot firmware=${sim.firmware ?? "none"} target=${String(sim.device.get("target"))} job=${job() ?? "none"} trial=${trial ? "yes" : "no"}`);

const rollout = cloud.rollout({ image: readFileSync(updatePath), devices: ["ac-1"], id: 4242 });
rollout.onProgress((_, u) => {
  if (u.phase === "done") say("confirmed");
  // A kill during the trial is a trial that never confirmed: the board goes back and refuses that update.
  if (u.phase === "failed") say(`failed ${u.detail}`);
});
const device = cloud.device("ac-1", sim.app.model);
let seed = Number(seedText);
let durable = job();
for (let n = 0; n < 10_000; n++) {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  const target = 17 + (seed % 27) * 0.5;
  say(`set ${target}`);
  await settle(device.set({ target }, { timeoutMs: 600_000 }));
  say(`acked ${target}`);
  // Real time passes too (a tenth of a second a simulated second), so that kills land mid-download.
  await run(1_000);
  await new Promise((r) => setTimeout(r, 100));
  if (job() !== durable) say(`durable ${(durable = job()) ?? "none"}`);
}
