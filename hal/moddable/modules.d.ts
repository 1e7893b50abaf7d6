/**
 * The parts of Moddable's modules the binding uses, as Moddable documents
 * them (ECMA-419's embedded:io classes, embedded:storage/flash and MQTT
 * client; Moddable's timer, time, system, Resource, preference, crypt and
 * mc/config), and the project's hearth-network. Declared here, not
 * installed: the Moddable SDK provides the real ones when `mcconfig` builds
 * the project.
 */
declare module "embedded:io/digital" {
  export default class Digital {
    constructor(options: { pin: number; mode: number; edge?: number; onReadable?: () => void });
    read(): number;
    write(value: number): void;
    close(): void;
  }
}
declare module "embedded:io/analog" {
  export default class Analog {
    constructor(options: { pin: number });
    readonly resolution: number;
    read(): number;
    write(value: never): void;
    close(): void;
  }
}
declare module "embedded:io/pwm" {
  export default class PWM {
    constructor(options: { pin: number; hz: number });
    readonly resolution: number;
    readonly hz?: number;
    read(): never;
    write(value: number): void;
    close(): void;
  }
}
declare module "embedded:io/i2c" {
  export default class I2C {
    constructor(options: { data: number; clock: number; hz: number; address: number });
    read(count: number, stop?: boolean): ArrayBuffer;
    write(data: ArrayBuffer, stop?: boolean): void;
    close(): void;
  }
}
declare module "embedded:io/spi" {
  export default class SPI {
    constructor(options: { out: number; in: number; clock: number; select: number; hz: number; mode?: number });
    read(count: number): ArrayBuffer;
    write(data: ArrayBuffer): void;
    /** Clocks the buffer out and leaves what came in in its place. */
    transfer(data: ArrayBuffer): void;
    close(): void;
  }
}
declare module "embedded:io/serial" {
  export default class Serial {
    constructor(options: { port: number; baud: number; transmit: number; receive: number; format: "buffer"; onReadable?: () => void });
    read(): ArrayBuffer | undefined;
    write(value: ArrayBuffer): void;
    close(): void;
  }
}
declare module "timer" {
  type TimerId = { readonly __timer: unique symbol };
  const Timer: {
    set(callback: () => void, ms: number): TimerId;
    schedule(id: TimerId, ms: number): void;
    clear(id: TimerId): void;
  };
  export default Timer;
}
declare module "time" {
  const Time: { readonly ticks: number };
  export default Time;
}
declare module "embedded:storage/flash" {
  /** An open partition (ECMA-419 2nd edition's flash storage, Moddable's modules/io/flash). */
  interface FlashPartition {
    status(): { size: number; blockLength: number; blocks: number };
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    write(buffer: ArrayBuffer, byteOffset: number): void;
    /** Erases blocks start up to (not including) end. */
    eraseBlock(start: number, end?: number): void;
    close(): void;
  }
  const flash: { open(options: { path: string; mode?: "r" | "r+" }): FlashPartition };
  export default flash;
}
/** Moddable's "system" has no export: its body sets globalThis.System. */
declare module "system" {}
declare var System: { restart(): never };
declare module "Resource" {
  export default class Resource extends ArrayBuffer {
    constructor(path: string);
  }
}
declare module "hearth-network" {
  /** ECMA-419's MQTT client (Moddable's examples/io/tcp/mqttclient), as the project's hearth-network.js gives it. */
  class MQTTClient {
    static readonly CONNACK: number;
    static readonly SUBSCRIBE: number;
    constructor(options: {
      host: string;
      port: number;
      id: string;
      clean: boolean;
      keepalive: number;
      will: { topic: string; message: ArrayBuffer; QoS: number; retain: boolean };
      user?: string;
      password?: string;
      dns: unknown;
      socket: unknown;
      onControl(message: { operation: number }): void;
      onReadable(this: MQTTClient, count: number, options: { topic?: string; more?: boolean }): void;
      onClose(): void;
      onError(): void;
    });
    read(count?: number): ArrayBuffer | undefined;
    write(data: ArrayBuffer | null, options: { topic: string; QoS: number } | { operation: number; items: { topic: string; QoS: number }[] }): void;
    close(): void;
  }
  const network: { io: typeof MQTTClient; dns: unknown; socket: Record<string, unknown> };
  export default network;
}
declare module "preference" {
  const Preference: { get(domain: string, key: string): string | undefined };
  export default Preference;
}
declare module "crypt" {
  export class Digest {
    constructor(algorithm: "SHA256");
    write(data: ArrayBuffer): void;
    close(): ArrayBuffer;
  }
}
declare module "mc/config" {
  /** The manifest's `config.hearth`, written by `hearth build --target moddable`. */
  const config: {
    hearth?: {
      board?: string;
      firmware?: string;
      deviceId?: string;
      broker?: string;
      port?: number;
      user?: string;
      password?: string;
      /** Connect with TLS, trusting the CA in the resource hearth-ca.der. */
      tls?: boolean;
      partition?: string;
      /** Each UART the board wires: its TX and RX pins. */
      uarts?: Record<string, { tx: number; rx: number }>;
    };
  };
  export default config;
}
