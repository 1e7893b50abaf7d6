import type { Chip, IO } from "../../../hal/io.js";
import type { ResetReason } from "../../../hal/reset-cause.js";
import type { Kernel } from "../../../os/kernel.js";
import type { Log } from "../../../os/log.js";
import type { TaskWatchdog } from "../../../os/watchdog.js";
import type { AppendLog } from "../../../os/storage/append-log.js";
import type { KvStore } from "../../../os/storage/kv-store.js";
import type { Device } from "../device.js";
import type { Model, ModelSpec, Props } from "../../thing/model.js";
import type { UpdateControl } from "../ota/update-control.js";

/** What a host hands to firmware at every boot. Firmware touches nothing else. */
export interface FirmwareContext<M extends ModelSpec> {
  /** The chip's IO classes (ECMA-419 style). */
  readonly io: IO;
  /** Chip services: the hardware watchdog (fed by `watchdog`), the reset cause, restart. */
  readonly chip: Chip;
  readonly kernel: Kernel;
  readonly device: Device<M>;
  readonly log: Log;
  /** Register long-running tasks here and check in; a task that stops checking in resets the chip. */
  readonly watchdog: TaskWatchdog;
  /** The flash map's partitions: settings and counters in `kv`, records in `log`. Both survive power cuts. */
  readonly storage: { readonly kv: KvStore; readonly log: AppendLog };
  readonly boot: { readonly resetReason: ResetReason; readonly count: number };
  /** Updates: when installing one (a reboot) is safe, and what a new image must pass to be kept. */
  readonly update: UpdateControl;
  /**
   * Wall-clock time for schedules: Unix ms from the link's time sync with the
   * cloud, or undefined until the first sync since this boot.
   */
  readonly time: { now(): number | undefined };
}

/** What a firmware image's bundle exports (an example's image.ts): the firmware, its model, its defaults. */
export interface FirmwareModule<M extends ModelSpec> {
  readonly firmware: (ctx: FirmwareContext<M>) => void;
  readonly model: Model<M>;
  readonly initial: Props<M>;
}
