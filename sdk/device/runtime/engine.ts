import { frozen } from "../../../hal/frozen.js";
import { NativeEvents, NativeFlash, nativeChip, nativeIO } from "../../../hal/native-io.js";
import { NATIVE_VERSION, type ImageEngine, type NativeBinding } from "../../../hal/native.js";
import { Bootloader } from "../../../os/boot/bootloader.js";
import type { Clock } from "../../../os/clock.js";
import type { FirmwareModule } from "./firmware.js";
import type { Transport, TransportEvents } from "../../protocol/transport.js";
import type { ModelSpec } from "../../thing/model.js";
import { useChipHash } from "./chip-sha256.js";
import { DeviceRuntime } from "./device-runtime.js";
import { inspectRuntime } from "./inspection.js";

/** Time and wake-ups from the chip's timer. */
class NativeClock implements Clock {
  wake: (() => void) | undefined;
  constructor(private readonly native: NativeBinding) {}
  now(): number {
    return this.native.now();
  }
  requestWake(at: number | undefined): void {
    this.native.setWake(at === undefined ? -1 : at);
  }
  attach(wake: () => void): void {
    this.wake = wake;
  }
}

/** The link's transport over the chip's MQTT client. */
class NativeTransport implements Transport {
  events: TransportEvents | undefined;
  constructor(private readonly native: NativeBinding) {}
  start(events: TransportEvents): void {
    this.events = events;
    this.native.mqttStart();
  }
  publish(topic: string, payload: Uint8Array): void {
    this.native.mqttPublish(topic, payload.slice().buffer);
  }
  subscribe(topic: string): void {
    this.native.mqttSubscribe(topic);
  }
  async stop(): Promise<void> {
    this.events = undefined;
    this.native.mqttStop();
  }
}

/**
 * What a firmware image exports as `engine` (hal/NATIVE.md): the whole
 * device (kernel, storage, link, updates, the firmware) started over the
 * chip's native binding. An example's image.ts does
 * `export const engine = defineEngine({ firmware, model, initial })`.
 */
export function defineEngine<M extends ModelSpec>(module: FirmwareModule<M>): ImageEngine & { readonly model: FirmwareModule<M>["model"] } {
  type Engine = ImageEngine & { readonly model: FirmwareModule<M>["model"] };
  frozen(module);
  let clock: NativeClock | undefined;
  let transport: NativeTransport | undefined;
  let runtime: DeviceRuntime<M> | undefined;
  // Made at start, not here: this runs as the image's module loads, and on Moddable that is at build
  // time (preload), where a Map is put in ROM and refuses set (hal/moddable/README.md).
  let events: NativeEvents | undefined;
  return Object.freeze<Engine>({
    /** The thing model this image speaks: `hearth build` reads it to put the model's hash in the image. */
    model: module.model,
    start(native) {
      if (native.version !== NATIVE_VERSION) throw new Error(`this image needs native binding version ${NATIVE_VERSION}; the chip has ${native.version}`);
      useChipHash(native);
      events = new NativeEvents();
      const info = native.boot();
      clock = new NativeClock(native);
      const flash = new NativeFlash(native);
      runtime = new DeviceRuntime<M>({
        clock,
        io: nativeIO(native, events),
        chip: nativeChip(native, info.resetReason),
        flash,
        layout: info.layout,
        seed: info.seed,
        logSinks: [(r) => native.log(r.level, r.task, r.message)],
        onOutOfMemory: (cause) => native.panic(cause),
      });
      const bootloader =
        info.updates === false
          ? undefined
          : new Bootloader(flash, info.layout, new Uint8Array(info.publicKey), info.board, (signature, message, key) =>
              native.ed25519Verify(signature.slice().buffer, message.slice().buffer, key.slice().buffer),
            );
      if (bootloader !== undefined) bootloader.reverted = info.reverted;
      runtime.run(module, info.firmware, bootloader, module);
      transport = new NativeTransport(native);
      // An MCU's heap: at most 16 reports in flight while acks are slow (each is a frame until acked).
      runtime.connect(transport, { deviceId: info.deviceId, reportCap: 16 });
    },
    wake() {
      clock?.wake?.();
    },
    readable(handle) {
      events?.dispatch(handle);
    },
    mqtt(event, topic, payload) {
      const to = transport?.events;
      if (to === undefined) return;
      if (event === "up") to.up();
      else if (event === "down") to.down("connection lost");
      else if (topic !== undefined && payload !== undefined) to.message(topic, new Uint8Array(payload));
    },
    inspect() {
      return JSON.stringify(inspectRuntime(runtime));
    },
  });
}
