import { ResetReason } from "../../../hal/reset-cause.js";
import { Bootloader } from "../../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../../os/boot/signing.js";
import type { LogRecord, LogSink } from "../../../os/log.js";
import type { ClockChannel } from "../../../os/virtual-clock.js";
import type { ApplianceApp } from "./app.js";
import type { Transport } from "../../protocol/transport.js";
import type { ModelSpec, Props } from "../../thing/model.js";
import type { Inspection } from "../../device/runtime/inspection.js";
import { SimulatedBoard, type BoardOptions } from "./board.js";
import { SimulatedNative } from "../../../hal/sim/native.js";
import type { HeapFigures, ImageMcu, McuFactory } from "./image-mcu.js";

export interface ImageBoardOptions extends BoardOptions {
  /** The MCU's engine: a new one at every reset (QuickJS, XS). */
  mcu: McuFactory;
  /** The key images must be signed with. */
  publicKey: Uint8Array;
  /** Provisioning: the broker the board connects to, and its device id (see `connect`). */
  network?: { transport: () => Transport; deviceId: string };
}

/**
 * A simulated board whose MCU is an MCU-class engine: at every reset its boot
 * ROM (the bootloader) picks and verifies the image in flash, and the image's
 * bundle runs in the engine (QuickJS or XS, with the H1's memory), over the
 * native binding (hal/NATIVE.md) to the simulated peripherals, flash and network.
 */
export class ImageBoard<M extends ModelSpec> extends SimulatedBoard<M> {
  /** Every crash: when, and what the engine said. */
  readonly crashes: { at: number; cause: string }[] = [];
  private mcu: { engine: ImageMcu; native: SimulatedNative; channel: ClockChannel; firmware: string } | undefined;
  private decisions: string[] = [];
  private connection: { transport: () => Transport; deviceId: string } | undefined;
  private readonly logSinks = new Set<LogSink>();

  constructor(
    app: ApplianceApp<M>,
    private readonly options: ImageBoardOptions,
  ) {
    super(app, options);
    this.connection = options.network;
    this.boot();
  }

  get firmware(): string | undefined {
    return this.mcu?.engine.alive ? this.mcu.firmware : undefined;
  }
  /** The running MCU's heap, or undefined when nothing runs. */
  override get heap(): HeapFigures | undefined {
    return this.mcu?.engine.alive ? this.mcu.engine.heap : undefined;
  }
  /** What the boot ROM decided at the last reset. */
  get bootDecisions(): readonly string[] {
    return this.decisions;
  }

  /** The device's state and link as the image reports them (for a console). */
  inspect(): Inspection | undefined {
    return this.mcu?.engine.inspect();
  }
  status(): string {
    const state = this.inspect()?.state;
    if (state === undefined) return "not running";
    return this.app.status(state as Props<M>, this.plant.readings());
  }

  /**
   * The board's provisioning: the broker it connects to, as this device id.
   * Give it before the first reset for the id to apply from the first boot.
   */
  connect(transport: () => Transport, deviceId: string): void {
    this.connection = { transport, deviceId };
    this.mcu?.native.provision(transport);
  }

  /** Hears the image's log records (its console UART). */
  onLog(sink: LogSink): void {
    this.logSinks.add(sink);
  }

  /** A bootloader on the flash as it is now, for the serial loader (the chip's ROM talks to it). */
  romBootloader(): Bootloader {
    return new Bootloader(this.h1.flash, this.layout, this.options.publicKey, this.app.boardId, verifyEd25519);
  }

  protected startMcu(): void {
    this.mcu = undefined;
    const rom = this.romBootloader();
    let chosen: ReturnType<Bootloader["boot"]> | undefined;
    try {
      chosen = rom.boot();
    } catch (error) {
      this.decisions = [...rom.decisions.map((d) => `${d.what}: ${d.why}`), `nothing to run: ${(error as Error).message}`];
      this.emit("error", "boot", `nothing to run: ${(error as Error).message}`);
      return;
    }
    this.decisions = rom.decisions.map((d) => `${d.what}: ${d.why}`);
    for (const d of rom.decisions) this.emit(d.what === "revert" || d.what === "skip" ? "warn" : "info", "boot", `${d.what}: ${d.why}`);
    const firmware = chosen.image.version.join(".");
    const channel = this.options.clock.channel();
    const engine = this.options.mcu({
      onCrash: (cause) => {
        this.crashes.push({ at: this.options.clock.now(), cause });
        this.emit("error", "engine", `firmware ${firmware} crashed: ${cause}`);
        // The MCU is dead: nothing feeds the watchdog, which resets the board.
        this.mcu?.native.shutdown();
      },
    });
    const native = new SimulatedNative({
      h1: this.h1,
      channel,
      random: this.hardware.random.fork(),
      transport: this.connection?.transport,
      engine: {
        readable: (handle) => engine.invoke("readable", handle),
        mqtt: (event, topic, payload) => engine.invoke("mqtt", event, topic, payload),
      },
      log: (level, task, message) => this.emit(level as LogRecord["level"], task, message),
      panic: (cause) => engine.panic(cause),
      info: {
        deviceId: this.connection?.deviceId ?? `${this.app.boardId}-1`,
        board: this.app.boardId,
        firmware,
        resetReason: ResetReason[this.h1.resetReason],
        reverted: rom.reverted,
        publicKey: this.options.publicKey.slice().buffer,
        layout: this.layout,
        seed: this.hardware.random.int(0, 0x7fffffff),
      },
    });
    this.mcu = { engine, native, channel, firmware };
    channel.attach(() => engine.invoke("wake"));
    if (!engine.load(chosen.image.bundle)) return;
    engine.start(native);
  }

  protected stopMcu(): void {
    const mcu = this.mcu;
    if (mcu === undefined) return;
    mcu.engine.stop();
    mcu.native.shutdown();
    mcu.channel.close();
  }

  private emit(level: LogRecord["level"], task: string, message: string): void {
    const record: LogRecord = { at: this.options.clock.now(), level, task, message };
    for (const sink of this.logSinks) sink(record);
  }
}
