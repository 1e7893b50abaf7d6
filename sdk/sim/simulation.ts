import type { ResetReason } from "../../hal/reset-cause.js";
import { FlashRegion } from "../../hal/flash.js";
import { partition } from "../../hal/h1.js";
import { SimulatedH1, type SimFlash } from "../../hal/sim/index.js";
import { Bootloader } from "../../os/boot/bootloader.js";
import type { SignatureCheck } from "../../os/boot/image.js";
import { encodeCbor } from "../../os/cbor.js";
import { AppendLog } from "../../os/storage/append-log.js";
import { KvStore } from "../../os/storage/kv-store.js";
import { Kernel, type Fault } from "../../os/kernel.js";
import { Log, LogLevel, type LogSink } from "../../os/log.js";
import type { ClockChannel, VirtualClock } from "../../os/virtual-clock.js";
import { TaskWatchdog } from "../../os/watchdog.js";
import type { ApplianceApp, FirmwareModule, Plant } from "../app.js";
import { Device } from "../device.js";
import { DeviceLink, type DeviceLinkOptions } from "../link/device-link.js";
import type { Transport } from "../link/transport.js";
import type { ModelSpec } from "../model.js";
import { UpdateClient, type UpdateClientOptions } from "../ota/update-client.js";
import { UpdatePolicy } from "../ota/update-control.js";

export interface SimulationOptions {
  /** The board's time base; the MCU's kernel and the board's hardware each get a channel of it. */
  clock: VirtualClock;
  seed?: number;
  /** Simulated time between plant steps and hardware checks (the board's tick). Default 1000 ms. */
  tickMs?: number;
  /** The hardware watchdog's timeout. Default 4000 ms. */
  watchdogMs?: number;
  /** CPU stopwatch for run budgets (see KernelOptions.cpuTime). */
  cpuTime?: () => number;
  /** Default run budget of the MCU's tasks (see KernelOptions.budgetMs). */
  budgetMs?: number;
  onFault?: (fault: Fault) => void;
  /** Called after every reset, with its cause, once the firmware has booted again. */
  onReset?: (reason: ResetReason, at: number) => void;
  /** The reset-cause register at power-up: "powerOn", or what a host that restarts a hung board says. */
  resetReason?: ResetReason;
  /** The board's flash, e.g. loaded from a file; a blank one when undefined. */
  flash?: SimFlash;
  /**
   * Boot as the chip does: the bootloader picks and verifies the image in
   * flash, and its bundle (loaded by the host) is the firmware that runs.
   * Without this the app's own firmware runs and updates are refused.
   */
  images?: ImageBoot;
  /** Where the partitions are, when `flash` is not laid out as the H1's flash map. */
  layout?: FlashLayout;
  /** Power comes back this long after a cut (SimFlash.cutPowerAfter). Default 1000 ms. */
  powerOffMs?: number;
}

export type FlashLayout = Record<"boot" | "slotA" | "slotB" | "kv" | "log", { offset: number; size: number }>;

const H1_LAYOUT: FlashLayout = {
  boot: partition("boot"),
  slotA: partition("slotA"),
  slotB: partition("slotB"),
  kv: partition("kv"),
  log: partition("log"),
};

export interface ImageBoot {
  /** The key images must be signed with. */
  publicKey: Uint8Array;
  /** Ed25519 verification (the chip's engine; verifyEd25519 on Node). */
  checkSignature: SignatureCheck;
  /** Turns a verified bundle into the firmware it exports (a host-specific loader). */
  load(bundle: Uint8Array): FirmwareModule<ModelSpec>;
  updates?: UpdateClientOptions;
}

/** One run of the MCU, from a reset to the next. */
interface Mcu<M extends ModelSpec> {
  readonly channel: ClockChannel;
  readonly storage: { kv: KvStore; log: AppendLog };
  readonly bootCount: number;
  readonly kernel: Kernel;
  readonly device: Device<M>;
  readonly log: Log;
  readonly watchdog: TaskWatchdog;
  /** The firmware version running; undefined while the bootloader found nothing to run. */
  readonly firmware: string | undefined;
  readonly bootloader: Bootloader | undefined;
  readonly policy: UpdatePolicy;
  link: DeviceLink<M> | undefined;
  updates: UpdateClient<M> | undefined;
}

/**
 * One appliance on a simulated board: the board's hardware (a simulated H1,
 * its watchdog, and the plant around it) keeps running across resets; the
 * MCU (kernel, device, firmware, link) starts afresh at every one. Runtime-
 * neutral: any host that supplies a clock (and a transport) can run it.
 */
export class Simulation<M extends ModelSpec> {
  readonly h1: SimulatedH1;
  readonly plant: Plant;
  /** The board's own scheduler: plant steps and hardware checks, independent of the MCU. */
  readonly board: Kernel;
  /** Every reset: when, why, and when the watchdog was last fed before it. */
  readonly resets: { at: number; reason: ResetReason; lastFedAt: number }[] = [];
  boots = 0;
  private mcu!: Mcu<M>;
  /** The MCU's clock and kernel while it starts, before it is whole. */
  private starting: { channel: ClockChannel; kernel: Kernel } | undefined;
  private connection: { transport: () => Transport; deviceId: string; options: Partial<DeviceLinkOptions> } | undefined;
  private tracer: ((line: string) => void) | undefined;
  private readonly logSinks = new Set<LogSink>();

  constructor(
    readonly app: ApplianceApp<M>,
    private readonly options: SimulationOptions,
  ) {
    const clock = options.clock;
    this.h1 = new SimulatedH1(() => clock.now(), options.flash);
    this.h1.resetReason = options.resetReason ?? "powerOn";
    this.board = new Kernel({ clock: clock.channel(), seed: options.seed ?? 1 });
    this.plant = app.createPlant(this.h1, this.board.random.fork());
    const tick = options.tickMs ?? 1000;
    this.board.every(tick, () => this.hardwareTick(tick / 1000), { task: "board", late: "catch-up" });
    this.h1.flash.onPowerLoss = () => this.powerLost();
    this.boot();
  }

  get kernel(): Kernel {
    return this.mcu.kernel;
  }
  get device(): Device<M> {
    return this.mcu.device;
  }
  get log(): Log {
    return this.mcu.log;
  }
  get link(): DeviceLink<M> | undefined {
    return this.mcu.link;
  }
  /** The firmware version running, or undefined when no valid image was found. */
  get firmware(): string | undefined {
    return this.mcu.firmware;
  }
  /** This boot's bootloader (image mode): the serial loader and tests use it. */
  get bootloader(): Bootloader | undefined {
    return this.mcu.bootloader;
  }
  get updates(): UpdateClient<M> | undefined {
    return this.mcu.updates;
  }

  /**
   * Connects the device to a cloud; after a reset the new firmware connects
   * again with a new transport. `options` tunes the link (report and resend intervals).
   */
  connect(transport: () => Transport, deviceId: string, options: Partial<DeviceLinkOptions> = {}): void {
    if (this.connection !== undefined) throw new Error("Simulation: already connected");
    this.connection = { transport, deviceId, options };
    this.startLink(this.mcu);
  }

  /** Resets the MCU now, as the reset pin or a power cut would. */
  reset(reason: ResetReason): void {
    const old = this.mcu;
    const lastFedAt = this.h1.watchdog.lastFedAt;
    old.kernel.halt();
    old.channel.close();
    old.updates?.stop();
    void old.link?.stop();
    this.h1.reset(reason);
    this.resets.push({ at: this.options.clock.now(), reason, lastFedAt });
    this.boot();
    this.options.onReset?.(reason, this.options.clock.now());
  }

  /**
   * The supply failed (a flash operation was cut): the MCU stops at once, and
   * the board powers up again a moment later.
   */
  private powerLost(): void {
    // Undefined only when power fails during the very first boot, inside the constructor.
    const mcu = this.mcu as Mcu<M> | undefined;
    mcu?.kernel.halt();
    void mcu?.link?.stop();
    this.board.after(this.options.powerOffMs ?? 1000, () => {
      this.h1.flash.powerOn();
      this.reset("powerOn");
    });
  }

  /** Hears every log record of this and every later boot (the console sink of a desktop host). */
  onLog(sink: LogSink): void {
    this.logSinks.add(sink);
    this.mcu.log.addSink(sink);
  }

  /**
   * Records everything that happens, as lines: every dispatch of the board's
   * and the MCU's kernels (time, task), every pin change, every property
   * change and event. Two runs with the same seed and inputs give the same lines.
   */
  trace(sink: (line: string) => void): void {
    this.tracer = sink;
    this.board.trace((at, task) => sink(`${at} board ${task}`));
    this.h1.watch((pin) => sink(`${this.options.clock.now()} pin ${pin}=${this.h1.level(pin)}`));
    this.traceMcu(this.mcu);
  }

  private traceMcu(mcu: Mcu<M>): void {
    const sink = this.tracer;
    if (sink === undefined) return;
    mcu.kernel.trace((at, task) => sink(`${at} mcu ${task}`));
    mcu.device.observe({
      changed: (names) => sink(`${mcu.kernel.now()} set ${names.map((n) => `${n}=${String(mcu.device.get(n))}`).join(",")}`),
      event: (name, fields) => sink(`${mcu.kernel.now()} event ${name} ${JSON.stringify(fields)}`),
    });
  }

  status(): string {
    return this.app.status(this.device.snapshot(), this.plant.readings());
  }

  private boot(): void {
    try {
      this.startMcu();
    } catch (error) {
      if (this.h1.flash.hasPower) throw error;
    }
    if (!this.h1.flash.hasPower) {
      // The supply failed while the MCU was starting: it stays dead until the board powers up again.
      this.starting?.kernel.halt();
      this.starting?.channel.close();
      void this.mcu?.link?.stop();
    }
    this.starting = undefined;
  }

  private startMcu(): void {
    const channel = this.options.clock.channel();
    const kernel = new Kernel({
      clock: channel,
      seed: (this.options.seed ?? 1) + this.boots * 7919,
      ...(this.options.onFault === undefined ? {} : { onFault: this.options.onFault }),
      ...(this.options.cpuTime === undefined ? {} : { cpuTime: this.options.cpuTime }),
      ...(this.options.budgetMs === undefined ? {} : { budgetMs: this.options.budgetMs }),
    });
    this.starting = { channel, kernel };
    this.boots++;
    const log = new Log(kernel);
    for (const sink of this.logSinks) log.addSink(sink);
    kernel.onFault((f) => log.error(f.task, `fault (${f.kind}): ${f.error instanceof Error ? f.error.message : String(f.error)}`));
    const watchdog = new TaskWatchdog(kernel, this.h1.chip.watchdog, { timeoutMs: this.options.watchdogMs ?? 4000 });
    const storage = this.mountStorage();
    const bootCount = countBoot(storage.kv);
    // Warnings and errors also go to the flash log, so they outlive the reset they may cause.
    log.addSink((r) => {
      if (LogLevel[r.level] >= LogLevel.warn) storage.log.append(encodeCbor([r.at, r.level, r.task, r.message]));
    });
    log.info("boot", `boot ${this.boots}, reset reason ${this.h1.resetReason}`);
    const { firmware, version, bootloader } = this.chooseFirmware(log);
    const device = new Device(firmware?.model ?? this.app.model, firmware?.initial ?? this.app.initial) as Device<M>;
    const policy = new UpdatePolicy(version ?? "none", bootloader?.onTrial ?? false);
    this.mcu = { channel, storage, bootCount, kernel, device, log, watchdog, firmware: version, bootloader, policy, link: undefined, updates: undefined };
    this.traceMcu(this.mcu);
    if (firmware === undefined) return;
    try {
      firmware.firmware({
        io: this.h1.io,
        chip: this.h1.chip,
        kernel,
        device,
        log,
        watchdog,
        storage,
        boot: { resetReason: this.h1.resetReason, count: bootCount },
        update: policy,
      });
    } catch (error) {
      // A crash while starting: the chip stops here, and its watchdog resets it.
      log.error("boot", `firmware ${version} crashed while starting: ${error instanceof Error ? error.message : String(error)}`);
      kernel.halt();
      return;
    }
    if (this.connection !== undefined) this.startLink(this.mcu);
  }

  /** The app's firmware, or (image mode) the bundle of the image the bootloader chose. */
  private chooseFirmware(log: Log): { firmware: FirmwareModule<M> | undefined; version: string | undefined; bootloader: Bootloader | undefined } {
    const images = this.options.images;
    if (images === undefined) return { firmware: this.app, version: this.app.firmwareVersion, bootloader: undefined };
    const bootloader = new Bootloader(this.h1.flash, this.options.layout ?? H1_LAYOUT, images.publicKey, this.app.boardId, images.checkSignature);
    try {
      const { image } = bootloader.boot();
      const version = image.version.join(".");
      return { firmware: images.load(image.bundle) as unknown as FirmwareModule<M>, version, bootloader };
    } catch (error) {
      log.error("boot", `nothing to run: ${error instanceof Error ? error.message : String(error)}`);
      return { firmware: undefined, version: undefined, bootloader };
    } finally {
      for (const d of bootloader.decisions) log[d.what === "revert" || d.what === "skip" ? "warn" : "info"]("boot", `${d.what}: ${d.why}`);
    }
  }

  /** The H1 flash map's kv and log partitions, mounted (a blank or garbled partition is formatted). */
  private mountStorage(): { kv: KvStore; log: AppendLog } {
    const region = (name: "kv" | "log"): FlashRegion => {
      const p = (this.options.layout ?? H1_LAYOUT)[name];
      return new FlashRegion(this.h1.flash, p.offset, p.size);
    };
    return {
      kv: KvStore.mount(region("kv"), { format: "if-garbage" }),
      log: AppendLog.mount(region("log"), { format: "if-garbage" }),
    };
  }

  private startLink(mcu: Mcu<M>): DeviceLink<M> | undefined {
    if (mcu.firmware === undefined) return undefined;
    const c = this.connection as { transport: () => Transport; deviceId: string; options: Partial<DeviceLinkOptions> };
    mcu.link = new DeviceLink(mcu.device, mcu.kernel, c.transport(), {
      ...c.options,
      deviceId: c.deviceId,
      firmware: mcu.firmware,
      resetReason: this.h1.resetReason,
      bootCount: mcu.bootCount,
      kv: mcu.storage.kv,
      log: mcu.log,
    });
    if (mcu.bootloader !== undefined) {
      mcu.updates = new UpdateClient(mcu.kernel, mcu.link, mcu.bootloader, mcu.storage.kv, mcu.policy, () => this.h1.chip.restart(), mcu.log, this.options.images?.updates);
      mcu.updates.start();
    }
    mcu.link.start();
    return mcu.link;
  }

  /** The board's hardware between MCU instructions: the world moves, the watchdog counts. */
  private hardwareTick(dtS: number): void {
    this.plant.step(dtS);
    const deadline = this.h1.watchdog.deadline;
    if (deadline !== undefined && this.options.clock.now() >= deadline) this.reset("watchdog");
    else if (this.h1.restartRequested) this.reset("software");
  }
}

/** Counts this boot in flash (the count travels in the link's hello); 0 if flash fails. */
function countBoot(kv: KvStore): number {
  try {
    const count = (kv.has("boot/count") ? kv.getNumber("boot/count") : 0) + 1;
    kv.setNumber("boot/count", count);
    return count;
  } catch {
    return 0;
  }
}
