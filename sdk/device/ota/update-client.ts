import { defineRecord, field, type RecordValue } from "../../../os/storage/record.js";
import type { Bootloader } from "../../../os/boot/bootloader.js";
import { ImageError } from "../../../os/boot/image.js";
import type { Kernel, Timer } from "../../../os/kernel.js";
import type { Log } from "../../../os/log.js";
import type { KvStore } from "../../../os/storage/kv-store.js";
import { HearthError } from "../../thing/errors.js";
import { OtaPhase, type Message } from "../../protocol/envelope.js";
import type { DeviceLink } from "../link/device-link.js";
import type { ModelSpec } from "../../thing/model.js";
import type { UpdatePolicy } from "./update-control.js";

export interface UpdateClientOptions {
  /** Bytes asked for per fetch; a divisor of the flash sector. Default 1024. */
  chunkBytes?: number;
  /** Fetches outstanding at once. Default 4. */
  window?: number;
  /** Nothing arrived this long while downloading: ask again. Default 5 s. */
  retryMs?: number;
  /** How often a ready update asks the firmware whether installing is safe, and a trial image its self-tests. Default 1 s. */
  checkEveryMs?: number;
  /** A trial image not confirmed within this long restarts, which reverts it. Default 10 min. */
  trialTimeoutMs?: number;
  /** Between the installing status and the reboot, so the status can go out. Default 2 s. */
  rebootDelayMs?: number;
}

type JobPhase = Job["phase"];

/** An update in progress, as kept in flash (key "ota/job"). */
/** An update in progress, as kept in kv. `offset`: bytes written and durable; the download resumes there (always at a sector start). */
const jobRecord = defineRecord("update in progress", 1, {
  id: field.uint,
  version: field.text,
  size: field.uint,
  sha256: field.bytes,
  offset: field.uint,
  phase: field.oneOf("downloading", "ready", "installing"),
});
type Job = RecordValue<typeof jobRecord>;

const JOB_KEY = "ota/job";
/** The last update that failed here: offered again, it is refused rather than tried again. */
const FAILED_KEY = "ota/failed";

/**
 * The device side of over-the-air updates (sdk/protocol/PROTOCOL.md, "Updates").
 * An offer starts a download into the bootloader's idle slot, fetched in
 * chunks a window at a time; each finished sector is recorded in flash, so a
 * reboot or a lost connection resumes from the last one. The whole image is
 * then checked (the offer's SHA-256, then signature, board and counter as the
 * bootloader will), installed when the firmware says it is safe, and the
 * device reboots into it on trial; once the new image has reached the cloud
 * and passes its self-tests it is confirmed. Every phase is reported.
 */
export class UpdateClient<M extends ModelSpec> {
  private job: Job | undefined;
  /** Next byte to write; chunks that came early wait in `early`. */
  private next = 0;
  private nextFetch = 0;
  private readonly early = new Map<number, Uint8Array>();
  private lastArrival = -Infinity;
  private reached = false;
  private confirmed = false;
  private installAttempts = 0;
  private readonly timers: Timer[] = [];
  private readonly chunk: number;

  constructor(
    private readonly kernel: Kernel,
    private readonly link: DeviceLink<M>,
    private readonly bootloader: Bootloader,
    private readonly kv: KvStore,
    private readonly policy: UpdatePolicy,
    private readonly restart: () => void,
    private readonly log: Log,
    private readonly options: UpdateClientOptions = {},
  ) {
    const sector = bootloader.sectorBytes;
    const wanted = options.chunkBytes ?? 1024;
    this.chunk = sector % wanted === 0 && wanted % 16 === 0 ? wanted : sector;
  }

  start(): void {
    this.link.handle("otaOffer", (m) => this.onOffer(m));
    this.link.handle("otaChunk", (m) => this.onChunk(m));
    this.link.onCloudReached(() => {
      this.reached = true;
      this.tryConfirm();
      if (this.job?.phase === "downloading") this.restartFetching();
    });
    this.link.onState((state) => {
      if (state === "down") this.reached = false;
    });
    this.timers.push(this.kernel.every(this.options.checkEveryMs ?? 1000, () => this.check(), { task: "ota" }));
    if (this.bootloader.onTrial) {
      this.timers.push(
        this.kernel.after(this.options.trialTimeoutMs ?? 600_000, () => {
          if (this.confirmed) return;
          this.log.warn("ota", "the new image did not confirm in time; restarting, which goes back to the old one");
          this.restart();
        }),
      );
    }
    this.job = this.load();
    const job = this.job;
    if (job === undefined) return;
    if (job.phase === "installing") this.afterInstall(job);
    else if (job.phase === "ready" || job.offset === job.size) this.finishDownload(job);
    else this.next = this.nextFetch = job.offset;
  }

  stop(): void {
    for (const t of this.timers) t.cancel();
  }

  /** Where the current update stands, for status lines and tests. */
  get progress(): { id: number; phase: JobPhase; bytes: number; size: number } | undefined {
    const job = this.job;
    return job === undefined ? undefined : { id: job.id, phase: job.phase, bytes: job.phase === "downloading" ? this.next : job.size, size: job.size };
  }

  private onOffer(m: Extract<Message, { type: "otaOffer" }>): void {
    const job = this.job;
    if (job !== undefined && job.id === m.id) {
      this.link.answer(m.seq);
      if (job.phase === "downloading") this.restartFetching();
      return;
    }
    const refusal = this.refusal(m);
    if (refusal !== undefined) {
      this.link.answer(m.seq, refusal);
      return;
    }
    if (job !== undefined) this.log.info("ota", `update ${m.id} replaces update ${job.id}`);
    this.bootloader.abandonPending();
    const fresh: Job = { id: m.id, version: m.version, size: m.size, sha256: m.sha256, offset: 0, phase: "downloading" };
    this.job = fresh;
    this.save(fresh);
    this.link.answer(m.seq);
    this.log.info("ota", `update ${m.id}: downloading firmware ${m.version} (${m.size} bytes) into slot ${this.bootloader.idleSlot}`);
    this.status(fresh, "downloading", "");
    this.next = this.nextFetch = 0;
    this.early.clear();
    this.fetchWindow();
  }

  private refusal(m: Extract<Message, { type: "otaOffer" }>): HearthError | undefined {
    if (m.version === this.policy.version) return new HearthError("stale", `firmware ${m.version} already runs`);
    if (this.kv.has(FAILED_KEY) && this.kv.getNumber(FAILED_KEY) === m.id) return new HearthError("failed", `update ${m.id} already failed on this device`);
    if (this.bootloader.onTrial) return new HearthError("busy", `firmware ${this.policy.version} runs on trial; an update waits until it is confirmed`);
    if (this.job?.phase === "installing") return new HearthError("busy", `update ${this.job.id} is installing`);
    if (m.size < 160 || m.size > this.bootloader.idleSlotBytes) {
      return new HearthError("out-of-range", `an image of ${m.size} bytes does not fit slot ${this.bootloader.idleSlot} (160..${this.bootloader.idleSlotBytes})`);
    }
    return undefined;
  }

  private restartFetching(): void {
    this.early.clear();
    this.nextFetch = this.next;
    this.fetchWindow();
  }

  private fetchWindow(): void {
    const job = this.job;
    if (job === undefined || job.phase !== "downloading" || this.link.state !== "up") return;
    const window = (this.options.window ?? 4) * this.chunk;
    while (this.nextFetch < job.size && this.nextFetch < this.next + window) {
      const length = Math.min(this.chunk, job.size - this.nextFetch);
      this.link.sendUnqueued({ type: "otaFetch", seq: this.link.takeSeq(), id: job.id, offset: this.nextFetch, length });
      this.nextFetch += length;
    }
    this.lastArrival = this.kernel.now();
  }

  private onChunk(m: Extract<Message, { type: "otaChunk" }>): void {
    const job = this.job;
    // Late, repeated or foreign chunks are nothing to worry about: QoS 1 and retries make them.
    if (job === undefined || job.phase !== "downloading" || m.id !== job.id) return;
    if (m.offset < this.next || m.offset >= this.nextFetch || m.offset % this.chunk !== 0) return;
    if (m.data.length !== Math.min(this.chunk, job.size - m.offset)) {
      this.log.warn("ota", `update ${job.id}: chunk at ${m.offset} has ${m.data.length} bytes; asking again`);
      return;
    }
    this.lastArrival = this.kernel.now();
    this.early.set(m.offset, m.data);
    try {
      for (let data = this.early.get(this.next); data !== undefined; data = this.early.get(this.next)) {
        this.early.delete(this.next);
        this.write(job, this.next, data);
      }
    } catch (error) {
      this.fail(job, `writing the idle slot failed: ${(error as Error).message}`);
      return;
    }
    if (this.next === job.size) this.finishDownload(job);
    else this.fetchWindow();
  }

  private write(job: Job, offset: number, data: Uint8Array): void {
    const sector = this.bootloader.sectorBytes;
    // A sector is erased when its first chunk arrives: after a reboot the download resumes at a sector start.
    if (offset % sector === 0) this.bootloader.eraseIdleSector(offset);
    this.bootloader.writeChunk(offset, data);
    this.next = offset + data.length;
    if (this.next % sector === 0 || this.next === job.size) {
      job.offset = this.next;
      this.save(job);
    }
  }

  private finishDownload(job: Job): void {
    try {
      // The same check as the serial loader's: exactly the image offered, nothing appended, and it verifies.
      const image = this.bootloader.checkReceived(job.size, job.sha256);
      const version = image.version.join(".");
      if (version !== job.version) throw new ImageError("bad-header", `the image is firmware ${version}, the offer said ${job.version}`);
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      this.fail(job, `image refused (${error.problem}): ${error.message}`);
      return;
    }
    if (job.phase !== "ready") {
      job.phase = "ready";
      this.save(job);
      this.log.info("ota", `update ${job.id}: firmware ${job.version} verified; installs when the firmware says it is safe`);
      this.status(job, "ready", "");
    }
  }

  /** Once a second: a ready update installs if safe; a trial image confirms if it can; a stalled download asks again. */
  private check(): void {
    const job = this.job;
    if (job?.phase === "ready" && this.policy.installIsSafe()) this.install(job);
    else if (job?.phase === "downloading" && this.reached && this.kernel.now() - this.lastArrival >= (this.options.retryMs ?? 5000)) {
      this.restartFetching();
    }
    this.tryConfirm();
  }

  private install(job: Job): void {
    // Recorded first: if power fails before the bootloader has it, the next boot finds the job ready again.
    job.phase = "installing";
    this.save(job);
    try {
      this.bootloader.install();
    } catch (error) {
      // A failed write may have landed all the same: flash decides.
      if (error instanceof ImageError || !this.bootloader.reload().pending || !this.bootloader.installed) {
        if (!(error instanceof ImageError) && ++this.installAttempts < 3) {
          this.log.warn("ota", `install failed (${(error as Error).message}); trying again`);
          job.phase = "ready";
          this.save(job);
          return;
        }
        this.fail(job, `install failed: ${(error as Error).message}`);
        return;
      }
    }
    this.log.info("ota", `update ${job.id}: installed; rebooting into firmware ${job.version}`);
    this.status(job, "installing", "");
    this.timers.push(this.kernel.after(this.options.rebootDelayMs ?? 2000, () => this.restart()));
  }

  /** The first boot after an install: the new image runs on trial, or the bootloader went back. */
  private afterInstall(job: Job): void {
    if (this.bootloader.reverted) {
      this.fail(job, `firmware ${job.version} did not confirm; back on ${this.policy.version}`);
    } else if (this.policy.version !== job.version) {
      // Power failed between recording the install and the bootloader taking it: install again.
      job.phase = "ready";
      this.save(job);
    } else if (!this.bootloader.onTrial) {
      this.succeed(job);
    }
  }

  private tryConfirm(): void {
    if (this.confirmed || !this.bootloader.onTrial || !this.reached || !this.policy.selfTestsPass()) return;
    try {
      this.bootloader.confirm();
    } catch (error) {
      this.log.error("ota", `confirm failed: ${(error as Error).message}`);
      return;
    }
    this.confirmed = true;
    this.log.info("ota", `firmware ${this.policy.version} confirmed: it reached the cloud and passed its self-tests`);
    const job = this.job;
    if (job?.phase === "installing" && job.version === this.policy.version) this.succeed(job);
  }

  private succeed(job: Job): void {
    this.status(job, "done", `firmware ${job.version} runs`);
    this.clear();
  }

  private fail(job: Job, why: string): void {
    this.log.warn("ota", `update ${job.id} failed: ${why}`);
    this.guard(() => this.kv.setNumber(FAILED_KEY, job.id));
    this.status(job, "failed", why);
    this.clear();
  }

  private status(job: Job, phase: keyof typeof OtaPhase, detail: string): void {
    const offset = phase === "downloading" ? job.offset : job.size;
    this.link.sendStatus({ type: "otaStatus", seq: this.link.takeSeq(), id: job.id, phase: OtaPhase[phase], offset, detail });
  }

  private clear(): void {
    this.job = undefined;
    this.early.clear();
    this.guard(() => this.kv.delete(JOB_KEY));
  }

  private save(job: Job): void {
    this.guard(() => jobRecord.write(this.kv, JOB_KEY, job));
  }

  private load(): Job | undefined {
    try {
      return jobRecord.read(this.kv, JOB_KEY);
    } catch (error) {
      this.log.warn("ota", `the saved update is damaged (${error instanceof Error ? error.message : String(error)}); forgetting it`);
    }
    this.clear();
    return undefined;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log.warn("ota", `update state not saved: ${String(error)}`);
    }
  }
}
