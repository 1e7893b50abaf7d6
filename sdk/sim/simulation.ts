import { SimulatedH1 } from "../../hal/sim/index.js";
import type { Clock } from "../../os/clock.js";
import { Kernel, type Fault } from "../../os/kernel.js";
import type { ResetReason } from "../../os/reset-reason.js";
import type { ApplianceApp, Plant } from "../app.js";
import { Device } from "../device.js";
import { DeviceLink } from "../link/device-link.js";
import type { Transport } from "../link/transport.js";
import type { ModelSpec } from "../model.js";

export interface SimulationOptions {
  clock: Clock;
  seed?: number;
  /** Simulated time between plant steps. Default 1000 ms. */
  plantStepMs?: number;
  onFault?: (fault: Fault) => void;
}

/**
 * One appliance on a simulated board: a simulated H1, its plant, the kernel
 * on the given clock, the device, and the firmware. Runtime-neutral: any host
 * that supplies a clock (and, for the cloud, a transport) can run it.
 */
export class Simulation<M extends ModelSpec> {
  readonly h1 = new SimulatedH1();
  readonly kernel: Kernel;
  readonly device: Device<M>;
  readonly plant: Plant;
  link: DeviceLink<M> | undefined;

  constructor(
    readonly app: ApplianceApp<M>,
    options: SimulationOptions,
  ) {
    this.kernel = new Kernel({
      clock: options.clock,
      seed: options.seed ?? 1,
      ...(options.onFault === undefined ? {} : { onFault: options.onFault }),
    });
    this.plant = app.createPlant(this.h1, this.kernel.random.fork());
    const stepMs = options.plantStepMs ?? 1000;
    // Armed before the firmware's timers, so at equal times the world moves first and firmware sees it.
    this.kernel.every(stepMs, () => this.plant.step(stepMs / 1000), { task: "plant", late: "catch-up" });
    this.device = new Device(app.model, app.initial);
    app.firmware({ io: this.h1.io, kernel: this.kernel, device: this.device });
  }

  /** Connects the device to a cloud over `transport`. */
  connect(transport: Transport, deviceId: string, resetReason: ResetReason = "powerOn"): DeviceLink<M> {
    if (this.link !== undefined) throw new Error("Simulation: already connected");
    this.link = new DeviceLink(this.device, this.kernel, transport, {
      deviceId,
      firmware: this.app.firmwareVersion,
      resetReason,
    });
    this.link.start();
    return this.link;
  }

  status(): string {
    return this.app.status(this.device.snapshot(), this.plant.readings());
  }
}
