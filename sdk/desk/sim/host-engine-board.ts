import { Bootloader } from "../../../os/boot/bootloader.js";
import type { SignatureCheck } from "../../../os/boot/image.js";
import type { Fault, Kernel } from "../../../os/kernel.js";
import type { Log, LogSink } from "../../../os/log.js";
import type { ClockChannel } from "../../../os/virtual-clock.js";
import type { FirmwareModule } from "../../device/runtime/firmware.js";
import type { ApplianceApp } from "./app.js";
import type { Device } from "../../device/device.js";
import type { DeviceLink, DeviceLinkOptions } from "../../device/link/device-link.js";
import type { Transport } from "../../protocol/transport.js";
import type { ModelSpec } from "../../thing/model.js";
import type { UpdateClient, UpdateClientOptions } from "../../device/ota/update-client.js";
import { DeviceRuntime } from "../../device/runtime/device-runtime.js";
import { inspectRuntime, type Inspection } from "../../device/runtime/inspection.js";
import { SimulatedBoard, type BoardOptions } from "./board.js";

export type { FlashLayout } from "../../../hal/h1.js";

export interface HostEngineBoardOptions extends BoardOptions {
  /** The hardware watchdog's timeout. Default 4000 ms. */
  watchdogMs?: number;
  /** CPU stopwatch for run budgets (see KernelOptions.cpuTime). */
  cpuTime?: () => number;
  /** Default run budget of the MCU's tasks (see KernelOptions.budgetMs). */
  budgetMs?: number;
  onFault?: (fault: Fault) => void;
  /**
   * Boot as the chip does: the bootloader picks and verifies the image in
   * flash, and its bundle (loaded by the host) is the firmware that runs.
   * Without this the app's own firmware runs and updates are refused.
   */
  images?: ImageBoot;
}

export interface ImageBoot {
  /** The key images must be signed with. */
  publicKey: Uint8Array;
  /** Ed25519 verification (the chip's engine; verifyEd25519 on Node). */
  checkSignature: SignatureCheck;
  /** Turns a verified bundle into the firmware it exports (a host-specific loader). */
  load(bundle: Uint8Array): FirmwareModule<ModelSpec>;
  updates?: UpdateClientOptions;
}

/**
 * One appliance on a simulated board, its firmware on the host's own engine:
 * the board's hardware keeps running across resets; the MCU (a
 * DeviceRuntime: kernel, device, firmware, link) starts afresh at every one.
 * Runtime-neutral: any host that supplies a clock (and a transport) can run it.
 */
export class HostEngineBoard<M extends ModelSpec> extends SimulatedBoard<M> {
  private mcu!: { channel: ClockChannel; runtime: DeviceRuntime<M> };
  private starting: ClockChannel | undefined;
  private connection: { transport: () => Transport; deviceId: string; options: Partial<DeviceLinkOptions> } | undefined;
  private tracer: ((line: string) => void) | undefined;
  private readonly logSinks = new Set<LogSink>();

  constructor(
    app: ApplianceApp<M>,
    private readonly options: HostEngineBoardOptions,
  ) {
    super(app, options);
    this.boot();
  }

  get kernel(): Kernel {
    return this.mcu.runtime.kernel;
  }
  get device(): Device<M> {
    return this.mcu.runtime.device;
  }
  get log(): Log {
    return this.mcu.runtime.log;
  }
  get link(): DeviceLink<M> | undefined {
    return this.mcu.runtime.link;
  }
  get firmware(): string | undefined {
    return this.mcu.runtime.firmware;
  }
  /** This boot's view of the flash's kv and log partitions (tests set up and inspect what firmware keeps). */
  get storage(): DeviceRuntime<M>["storage"] {
    return this.mcu.runtime.storage;
  }
  /** This boot's bootloader (image mode): the serial loader and tests use it. */
  get bootloader(): Bootloader | undefined {
    return this.mcu.runtime.bootloader;
  }
  get updates(): UpdateClient<M> | undefined {
    return this.mcu.runtime.updates;
  }

  /**
   * Connects the device to a cloud; after a reset the new firmware connects
   * again with a new transport. `options` tunes the link (report and resend intervals).
   */
  connect(transport: () => Transport, deviceId: string, options: Partial<DeviceLinkOptions> = {}): void {
    if (this.connection !== undefined) throw new Error("HostEngineBoard: already connected");
    this.connection = { transport, deviceId, options };
    this.startLink();
  }

  /** Hears every log record of this and every later boot (the console sink of a desktop host). */
  onLog(sink: LogSink): void {
    this.logSinks.add(sink);
    this.mcu.runtime.log.addSink(sink);
  }

  /**
   * Records everything that happens, as lines: every dispatch of the board's
   * and the MCU's kernels (time, task), every pin change, every property
   * change and event. Two runs with the same seed and inputs give the same lines.
   */
  trace(sink: (line: string) => void): void {
    this.tracer = sink;
    this.hardware.trace((at, task) => sink(`${at} board ${task}`));
    this.h1.watch((pin) => sink(`${this.options.clock.now()} pin ${pin}=${this.h1.level(pin)}`));
    this.traceMcu(this.mcu.runtime);
  }

  status(): string {
    return this.app.status(this.device.snapshot(), this.plant.readings());
  }
  inspect(): Inspection | undefined {
    return inspectRuntime(this.mcu.runtime);
  }
  romBootloader(): Bootloader | undefined {
    return this.bootloader;
  }

  protected startMcu(): void {
    const channel = this.options.clock.channel();
    this.starting = channel;
    const runtime = new DeviceRuntime<M>({
      clock: channel,
      io: this.h1.io,
      chip: this.h1.chip,
      flash: this.h1.flash,
      layout: this.layout,
      seed: (this.options.seed ?? 1) + (this.boots - 1) * 7919,
      ...(this.options.watchdogMs === undefined ? {} : { watchdogMs: this.options.watchdogMs }),
      ...(this.options.onFault === undefined ? {} : { onFault: this.options.onFault }),
      ...(this.options.cpuTime === undefined ? {} : { cpuTime: this.options.cpuTime }),
      ...(this.options.budgetMs === undefined ? {} : { budgetMs: this.options.budgetMs }),
      logSinks: this.logSinks,
      bootNumber: this.boots,
    });
    const { firmware, version, bootloader } = this.chooseFirmware(runtime.log);
    runtime.run(firmware, version, bootloader, this.app);
    this.mcu = { channel, runtime };
    this.starting = undefined;
    this.traceMcu(runtime);
    this.startLink();
  }

  protected stopMcu(): void {
    if (this.starting !== undefined) {
      this.starting.close();
      this.starting = undefined;
    }
    // Undefined only when power fails during the very first boot, inside the constructor.
    const mcu = this.mcu as typeof this.mcu | undefined;
    mcu?.runtime.stop();
    mcu?.channel.close();
  }

  private traceMcu(runtime: DeviceRuntime<M>): void {
    const sink = this.tracer;
    if (sink === undefined) return;
    runtime.kernel.trace((at, task) => sink(`${at} mcu ${task}`));
    runtime.device.observe({
      changed: (names) => sink(`${runtime.kernel.now()} set ${names.map((n) => `${n}=${String(runtime.device.get(n))}`).join(",")}`),
      event: (name, fields) => sink(`${runtime.kernel.now()} event ${name} ${JSON.stringify(fields)}`),
    });
  }

  /** The app's firmware, or (image mode) the bundle of the image the bootloader chose. */
  private chooseFirmware(log: Log): { firmware: FirmwareModule<M> | undefined; version: string | undefined; bootloader: Bootloader | undefined } {
    const images = this.options.images;
    if (images === undefined) return { firmware: this.app, version: this.app.firmwareVersion, bootloader: undefined };
    const bootloader = new Bootloader(this.h1.flash, this.layout, images.publicKey, this.app.boardId, images.checkSignature);
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

  private startLink(): void {
    const c = this.connection;
    if (c === undefined || this.mcu.runtime.firmware === undefined) return;
    this.mcu.runtime.connect(c.transport(), { ...c.options, deviceId: c.deviceId }, this.options.images?.updates);
  }
}
