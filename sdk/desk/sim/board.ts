import { h1Layout, type FlashLayout } from "../../../hal/h1.js";
import type { ResetReason } from "../../../hal/reset-cause.js";
import { SimulatedH1, type SimFlash } from "../../../hal/sim/index.js";
import { Kernel } from "../../../os/kernel.js";
import type { VirtualClock } from "../../../os/virtual-clock.js";
import type { ApplianceApp, Plant } from "./app.js";
import type { ModelSpec } from "../../thing/model.js";
import type { Bootloader } from "../../../os/boot/bootloader.js";
import type { LogSink } from "../../../os/log.js";
import type { Inspection } from "../../device/runtime/inspection.js";
import type { HeapFigures } from "./quickjs-mcu.js";

export interface BoardOptions {
  /** The board's time base; the MCU and the board's hardware each get a channel of it. */
  clock: VirtualClock;
  seed?: number;
  /** Simulated time between plant steps and hardware checks (the board's tick). Default 1000 ms. */
  tickMs?: number;
  /** Called after every reset, with its cause, once the MCU has booted again. */
  onReset?: (reason: ResetReason, at: number) => void;
  /** The reset-cause register at power-up: "powerOn", or what a host that restarts a hung board says. */
  resetReason?: ResetReason;
  /** The board's flash, e.g. loaded from a file; a blank one when undefined. */
  flash?: SimFlash;
  /** Where the partitions are, when `flash` is not laid out as the H1's flash map. */
  layout?: FlashLayout;
  /** Power comes back this long after a cut (SimFlash.cutPowerAfter). Default 1000 ms. */
  powerOffMs?: number;
}

/**
 * A simulated board: the H1 with its flash and hardware watchdog, and the
 * plant around it. The hardware keeps running across resets; what runs on
 * the MCU (firmware on the host's engine, or an image in an embedded engine)
 * is the subclass's, and starts afresh at every reset.
 */
export abstract class SimulatedBoard<M extends ModelSpec> {
  readonly h1: SimulatedH1;
  readonly plant: Plant;
  /** The board's hardware scheduler: plant steps and hardware checks, independent of the MCU's kernel. */
  readonly hardware: Kernel;
  /** Every reset: when, why, and when the watchdog was last fed before it. */
  readonly resets: { at: number; reason: ResetReason; lastFedAt: number }[] = [];
  boots = 0;
  readonly layout: FlashLayout;

  constructor(
    readonly app: ApplianceApp<M>,
    protected readonly boardOptions: BoardOptions,
  ) {
    const clock = boardOptions.clock;
    this.layout = boardOptions.layout ?? h1Layout();
    // The mains block schedules on the board's hardware scheduler (made just below; only called later).
    this.h1 = new SimulatedH1(() => clock.now(), boardOptions.flash, { after: (ms, fn) => this.hardware.after(ms, fn, "mains") });
    this.h1.resetReason = boardOptions.resetReason ?? "powerOn";
    this.hardware = new Kernel({ clock: clock.channel(), seed: boardOptions.seed ?? 1 });
    this.plant = app.createPlant(this.h1, this.hardware.random.fork());
    const tick = boardOptions.tickMs ?? 1000;
    this.hardware.every(tick, () => this.hardwareTick(tick / 1000), { task: "board", late: "catch-up" });
    this.h1.flash.onPowerLoss = () => this.powerLost();
  }

  /** The firmware version running, or undefined when nothing valid runs. */
  abstract get firmware(): string | undefined;
  /** One short line: the appliance as a person watching it wants to see it. */
  abstract status(): string;
  /** What the running device says about itself (state, link, update, faults); undefined when nothing runs. */
  abstract inspect(): Inspection | undefined;
  /** Hears every log record of this and every later boot (the board's console UART). */
  abstract onLog(sink: LogSink): void;
  /** A bootloader on the flash as it is now (the serial loader talks to it), or undefined when the board runs no images. */
  abstract romBootloader(): Bootloader | undefined;
  /** Heap figures of the running image, on engines that measure them. */
  get heap(): HeapFigures | undefined {
    return undefined;
  }

  /** Starts the MCU for boot number `this.boots`; throws only when the power fails as it starts. */
  protected abstract startMcu(): void;
  /** Stops the MCU at once (reset or power loss). */
  protected abstract stopMcu(): void;

  /** Resets the MCU now, as the reset pin or a power cut would. */
  reset(reason: ResetReason): void {
    const lastFedAt = this.h1.watchdog.lastFedAt;
    this.stopMcu();
    this.h1.reset(reason);
    this.resets.push({ at: this.boardOptions.clock.now(), reason, lastFedAt });
    this.boot();
    this.boardOptions.onReset?.(reason, this.boardOptions.clock.now());
  }

  /** The board is switched off: the MCU stops and nothing runs until a new board is made. */
  powerOff(): void {
    this.stopMcu();
    this.hardware.halt();
  }

  protected boot(): void {
    this.boots++;
    try {
      this.startMcu();
    } catch (error) {
      if (this.h1.flash.hasPower) throw error;
    }
    // The supply failed while the MCU was starting: it stays dead until the board powers up again.
    if (!this.h1.flash.hasPower) this.stopMcu();
  }

  /**
   * The supply fails now (the plug is pulled, or a flash operation was cut):
   * the MCU stops at once, every output falls, and power comes back after
   * `offMs` (default the board's powerOffMs). The world around goes on meanwhile.
   */
  cutPower(offMs = this.boardOptions.powerOffMs ?? 1000): void {
    this.stopMcu();
    this.h1.reset("powerOn");
    this.hardware.after(offMs, () => {
      this.h1.flash.powerOn();
      this.reset("powerOn");
    }, "power");
  }

  private powerLost(): void {
    this.cutPower();
  }

  /** The board's hardware between MCU instructions: the world moves, the watchdog counts. */
  private hardwareTick(dtS: number): void {
    this.plant.step(dtS);
    const deadline = this.h1.watchdog.deadline;
    if (deadline !== undefined && this.boardOptions.clock.now() >= deadline) this.reset("watchdog");
    else if (this.h1.restartRequested) this.reset("software");
  }
}
