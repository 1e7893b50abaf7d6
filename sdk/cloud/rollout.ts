import { sha256 } from "@noble/hashes/sha2.js";
import { parseImage } from "../../os/boot/image.js";
import { errorCodeName, HearthError } from "../thing/errors.js";
import { OtaPhase, type Message } from "../protocol/envelope.js";

/** Where one device of a rollout stands. */
export interface DeviceUpdate {
  phase: "waiting" | "offered" | keyof typeof OtaPhase;
  /** Bytes the device holds (from its fetches and statuses). */
  bytes: number;
  /** Why it failed, or why it is waiting. */
  detail: string;
}

export interface RolloutOptions {
  /** A signed firmware image (os/boot/IMAGE.md). The device checks it; the cloud only reads its version. */
  image: Uint8Array;
  /** Devices in the rollout; `share` of them take part now. */
  devices: readonly string[];
  /** The share of `devices` offered the update, 0..1 (staged rollout; `expand` raises it). Default 1. */
  share?: number;
  /** Stop offering (devices already updating go on) once this many devices failed. Default: never. */
  maxFailures?: number;
  /** The update's id on the wire. Default: random. */
  id?: number;
  /** How long to wait for a device to take the offer, ms. Default 10 s. */
  offerTimeoutMs?: number;
}

export interface RolloutSummary {
  selected: number;
  waiting: number;
  offered: number;
  downloading: number;
  ready: number;
  installing: number;
  done: number;
  failed: number;
  paused: boolean;
}

/** What a rollout needs from its cloud. */
export interface RolloutPort {
  request(deviceId: string, message: Message, timeoutMs: number): Promise<Message>;
  send(deviceId: string, message: Message): void;
  /** Devices the cloud knows to be online, with the firmware each said hello with. */
  online(): Iterable<{ id: string; firmware: string | undefined }>;
}

/** The largest chunk a device may ask for: well inside a frame. */
const MAX_CHUNK = 8192;

/**
 * One firmware image offered to a set of devices (sdk/protocol/PROTOCOL.md,
 * "Updates"). A device is offered the update when it is selected and online
 * (again after every hello until it is done or failed); it then fetches the
 * image in chunks, which this serves, and reports each phase. A staged
 * rollout starts with a share of the devices, chosen by a hash of the update
 * id and the device id (so the same devices whatever the order), and grows
 * with `expand`; it pauses itself after `maxFailures` failures.
 */
export class Rollout {
  readonly id: number;
  readonly version: string;
  readonly size: number;
  readonly devices = new Map<string, DeviceUpdate>();
  private share: number;
  private paused = false;
  private readonly listeners = new Set<(deviceId: string, update: DeviceUpdate) => void>();
  private readonly sha: Uint8Array;
  private readonly everyone: readonly string[];

  constructor(
    private readonly port: RolloutPort,
    private readonly options: RolloutOptions,
  ) {
    const image = parseImage(options.image);
    this.version = image.version.join(".");
    this.size = options.image.length;
    this.sha = sha256(options.image);
    this.id = options.id ?? Math.floor(Math.random() * 0xffffffff);
    this.share = checkShare(options.share ?? 1);
    this.everyone = [...new Set(options.devices)];
  }

  /**
   * Offers the update to every selected device now (a backend that just
   * started may not have seen their hellos); one that does not answer gets
   * the offer again at its next hello.
   */
  start(): this {
    this.select();
    const online = new Map([...this.port.online()].map((d) => [d.id, d.firmware]));
    for (const [id, update] of this.devices) if (update.phase === "waiting") this.offer(id, online.get(id));
    return this;
  }

  /** Raises the share of devices taking part (it never shrinks) and offers the update to the newly chosen. */
  expand(share: number): void {
    this.share = Math.max(this.share, checkShare(share));
    this.paused = false;
    this.start();
  }

  /** Hears every change of any device's phase or progress. */
  onProgress(listener: (deviceId: string, update: DeviceUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): RolloutSummary {
    const s: RolloutSummary = { selected: this.devices.size, waiting: 0, offered: 0, downloading: 0, ready: 0, installing: 0, done: 0, failed: 0, paused: this.paused };
    for (const u of this.devices.values()) s[u.phase]++;
    return s;
  }

  /** Resolves when every selected device is done or failed (or the rollout paused with none still updating). */
  settled(): Promise<RolloutSummary> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const s = this.summary();
        const busy = s.offered + s.downloading + s.ready + s.installing;
        if (s.done + s.failed === s.selected || (s.paused && busy === 0)) {
          resolve(s);
          return true;
        }
        return false;
      };
      if (check()) return;
      const off = this.onProgress(() => {
        if (check()) off();
      });
    });
  }

  /**
   * Takes up where the tier stands (the store's progress, when another instance planned it or this
   * one restarted): a device done or failed is not offered it again, and a rollout that had failed
   * `maxFailures` times stays paused. Offers then wait for each device's next hello.
   */
  resume(progress: readonly { deviceId: string; phase: string; offset: number; detail: string }[]): void {
    this.select();
    const names = Object.keys(OtaPhase) as (keyof typeof OtaPhase)[];
    for (const p of progress) {
      const update = this.devices.get(p.deviceId);
      const phase = names.find((k) => String(OtaPhase[k]) === p.phase);
      if (update !== undefined && (phase === "done" || phase === "failed")) Object.assign(update, { phase, bytes: p.offset, detail: p.detail });
    }
    if (this.summary().failed >= (this.options.maxFailures ?? Infinity)) this.paused = true;
  }

  /** Every selected device done or failed: nothing left to offer. */
  get finished(): boolean {
    const s = this.summary();
    return s.done + s.failed === s.selected;
  }

  /** Whether the device is among those taking part now. */
  selects(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  /** A device said hello: offer the update if it is selected and not finished. */
  hello(deviceId: string, firmware: string): void {
    const update = this.devices.get(deviceId);
    if (update === undefined || update.phase === "done" || update.phase === "failed") return;
    this.offer(deviceId, firmware);
  }

  /** A device asks for bytes: serve them (the fetch also says how far it got). */
  fetch(deviceId: string, m: Extract<Message, { type: "otaFetch" }>): void {
    const update = this.devices.get(deviceId);
    if (update === undefined) return;
    if (m.length === 0 || m.length > MAX_CHUNK || m.offset + m.length > this.size) return;
    if (update.phase === "offered" || update.phase === "waiting") this.change(deviceId, update, { phase: "downloading", bytes: m.offset });
    else if (m.offset > update.bytes) this.change(deviceId, update, { bytes: m.offset });
    const data = this.options.image.subarray(m.offset, m.offset + m.length);
    this.port.send(deviceId, { type: "otaChunk", seq: 0, id: this.id, offset: m.offset, data });
  }

  /** A device reports a phase (acknowledged and de-duplicated by the cloud). */
  status(deviceId: string, m: Extract<Message, { type: "otaStatus" }>): void {
    const update = this.devices.get(deviceId);
    if (update === undefined || update.phase === "done" || update.phase === "failed") return;
    const phase = (Object.keys(OtaPhase) as (keyof typeof OtaPhase)[]).find((k) => OtaPhase[k] === m.phase) ?? "failed";
    this.change(deviceId, update, { phase, bytes: m.offset, detail: m.detail });
    if (phase === "failed" && this.summary().failed >= (this.options.maxFailures ?? Infinity)) this.paused = true;
  }

  private select(): void {
    for (const id of this.everyone) {
      if (!this.devices.has(id) && pick(this.id, id) < this.share) this.devices.set(id, { phase: "waiting", bytes: 0, detail: "" });
    }
  }

  private offer(deviceId: string, firmware: string | undefined): void {
    const update = this.devices.get(deviceId) as DeviceUpdate;
    // Rebooting into the new image: the device's own status says whether it kept it.
    if (update.phase === "installing") return;
    if (firmware === this.version) {
      this.change(deviceId, update, { phase: "done", bytes: this.size, detail: `already runs ${this.version}` });
      return;
    }
    if (this.paused && update.phase === "waiting") return;
    if (update.phase === "waiting") this.change(deviceId, update, { phase: "offered" });
    const offer: Message = { type: "otaOffer", seq: 0, id: this.id, version: this.version, size: this.size, sha256: this.sha };
    this.port.request(deviceId, offer, this.options.offerTimeoutMs ?? 10_000).then(
      (reply) => {
        if (reply.type !== "error") return;
        const code = errorCodeName(reply.code);
        if (code === "stale") this.change(deviceId, update, { phase: "done", bytes: this.size, detail: reply.detail });
        else if (code === "busy") this.change(deviceId, update, { phase: "waiting", detail: reply.detail });
        else this.change(deviceId, update, { phase: "failed", detail: `${code ?? reply.code}: ${reply.detail}` });
      },
      (error: unknown) => {
        // Not answered: it gets the offer again at its next hello.
        if (update.phase === "offered") this.change(deviceId, update, { phase: "waiting", detail: error instanceof HearthError ? error.message : String(error) });
      },
    );
  }

  private change(deviceId: string, update: DeviceUpdate, to: Partial<DeviceUpdate>): void {
    Object.assign(update, to);
    for (const listener of this.listeners) listener(deviceId, update);
  }
}

function checkShare(share: number): number {
  if (!(share >= 0 && share <= 1)) throw new HearthError("out-of-range", `share must be between 0 and 1, got ${share}`);
  return share;
}

/** A device's place in [0, 1) for this update: FNV-1a of the update id and device id, then MurmurHash3's finaliser (FNV alone barely mixes the last characters). */
function pick(updateId: number, deviceId: string): number {
  let h = 0x811c9dc5;
  for (const c of `${updateId}/${deviceId}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 0x100000000;
}
