import { FlashRegion, type Flash } from "../../../hal/flash.js";
import type { FlashLayout } from "../../../hal/h1.js";
import type { Chip, IO } from "../../../hal/io.js";
import type { Bootloader } from "../../../os/boot/bootloader.js";
import { encodeCbor } from "../../../os/cbor.js";
import type { Clock } from "../../../os/clock.js";
import { Kernel, type Fault } from "../../../os/kernel.js";
import { Log, LogLevel, type LogSink } from "../../../os/log.js";
import { AppendLog } from "../../../os/storage/append-log.js";
import { KvStore } from "../../../os/storage/kv-store.js";
import { TaskWatchdog } from "../../../os/watchdog.js";
import type { FirmwareModule } from "./firmware.js";
import { Device } from "../device.js";
import { DeviceLink, type DeviceLinkOptions } from "../link/device-link.js";
import type { Transport } from "../../protocol/transport.js";
import type { Model, ModelSpec, Props } from "../../thing/model.js";
import { UpdateClient, type UpdateClientOptions } from "../ota/update-client.js";
import { UpdatePolicy } from "../ota/update-control.js";

export interface DeviceRuntimeOptions {
  clock: Clock;
  io: IO;
  chip: Chip;
  flash: Flash;
  layout: FlashLayout;
  seed: number;
  /** The hardware watchdog's timeout. Default 4000 ms. */
  watchdogMs?: number;
  onFault?: (fault: Fault) => void;
  cpuTime?: () => number;
  budgetMs?: number;
  logSinks?: Iterable<LogSink>;
  /**
   * The engine ran out of memory: the firmware cannot go on (its state is
   * whatever the failed allocation left). An engine host stops the image here.
   */
  onOutOfMemory?: (cause: string) => void;
  /** Which boot of the board this is, for the log; the boot count in flash when not given. */
  bootNumber?: number;
}

/**
 * One run of an appliance's MCU, from a reset to the next: kernel, log (to
 * flash for warnings), task watchdog, storage, the device, the firmware, and
 * (once connected) the link and the update client. Every host starts firmware
 * through this: the simulator on Node, and the image itself on an embedded engine.
 */
export class DeviceRuntime<M extends ModelSpec> {
  readonly kernel: Kernel;
  readonly log: Log;
  readonly watchdog: TaskWatchdog;
  readonly storage: { kv: KvStore; log: AppendLog };
  readonly bootCount: number;
  device!: Device<M>;
  policy!: UpdatePolicy;
  /** The firmware version running; undefined while nothing valid runs. */
  firmware: string | undefined;
  bootloader: Bootloader | undefined;
  link: DeviceLink<M> | undefined;
  updates: UpdateClient<M> | undefined;

  constructor(private readonly o: DeviceRuntimeOptions) {
    this.kernel = new Kernel({
      clock: o.clock,
      seed: o.seed,
      ...(o.onFault === undefined ? {} : { onFault: o.onFault }),
      ...(o.cpuTime === undefined ? {} : { cpuTime: o.cpuTime }),
      ...(o.budgetMs === undefined ? {} : { budgetMs: o.budgetMs }),
    });
    // 64 records in RAM (a few KiB of an MCU's heap); warnings and errors also go to the flash log below.
    this.log = new Log(this.kernel, 64);
    for (const sink of o.logSinks ?? []) this.log.addSink(sink);
    this.kernel.onFault((f) => {
      const message = f.error instanceof Error ? f.error.message : String(f.error);
      if (/out of memory/i.test(message) && o.onOutOfMemory !== undefined) return o.onOutOfMemory(`out of memory in task ${f.task}`);
      this.log.error(f.task, `fault (${f.kind}): ${message}`);
    });
    this.watchdog = new TaskWatchdog(this.kernel, o.chip.watchdog, { timeoutMs: o.watchdogMs ?? 4000 });
    const region = (name: "kv" | "log"): FlashRegion => new FlashRegion(o.flash, o.layout[name].offset, o.layout[name].size);
    this.storage = {
      kv: KvStore.mount(region("kv"), { format: "if-garbage" }),
      log: AppendLog.mount(region("log"), { format: "if-garbage" }),
    };
    this.bootCount = countBoot(this.storage.kv);
    // Warnings and errors also go to the flash log, so they outlive the reset they may cause.
    this.log.addSink((r) => {
      if (LogLevel[r.level] >= LogLevel.warn) this.storage.log.append(encodeCbor([r.at, r.level, r.task, r.message]));
    });
    this.log.info("boot", `boot ${o.bootNumber ?? this.bootCount}, reset reason ${o.chip.resetReason}`);
  }

  /**
   * Starts the firmware (or, with none, only a device of `fallback`'s model,
   * as a board that waits to be flashed). `bootloader` enables updates; a
   * firmware that throws while starting halts the MCU (its watchdog resets it).
   */
  run(module: FirmwareModule<M> | undefined, version: string | undefined, bootloader: Bootloader | undefined, fallback: { model: Model<M>; initial: Props<M> }): void {
    this.firmware = module === undefined ? undefined : version;
    this.bootloader = bootloader;
    this.device = new Device(module?.model ?? fallback.model, module?.initial ?? fallback.initial);
    this.policy = new UpdatePolicy(version ?? "none", bootloader?.onTrial ?? false);
    if (module === undefined) return;
    try {
      module.firmware({
        io: this.o.io,
        chip: this.o.chip,
        kernel: this.kernel,
        device: this.device,
        log: this.log,
        watchdog: this.watchdog,
        storage: this.storage,
        boot: { resetReason: this.o.chip.resetReason, count: this.bootCount },
        update: this.policy,
        time: { now: () => this.link?.wallClock() },
      });
    } catch (error) {
      this.log.error("boot", `firmware ${version} crashed while starting: ${error instanceof Error ? error.message : String(error)}`);
      this.firmware = undefined;
      this.kernel.halt();
    }
  }

  /** Connects the running firmware to its cloud (with updates, when there is a bootloader). */
  connect(transport: Transport, options: Partial<DeviceLinkOptions> & { deviceId: string }, updates?: UpdateClientOptions): void {
    if (this.firmware === undefined) return;
    this.link = new DeviceLink(this.device, this.kernel, transport, {
      ...options,
      firmware: this.firmware,
      resetReason: this.o.chip.resetReason,
      bootCount: this.bootCount,
      kv: this.storage.kv,
      log: this.log,
    });
    if (this.bootloader !== undefined) {
      this.updates = new UpdateClient(this.kernel, this.link, this.bootloader, this.storage.kv, this.policy, () => this.o.chip.restart(), this.log, updates);
      this.updates.start();
    }
    this.link.start();
  }

  /** The MCU stops: a reset, or the power failing. */
  stop(): void {
    this.kernel.halt();
    this.updates?.stop();
    void this.link?.stop();
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
