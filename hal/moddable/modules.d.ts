/**
 * The parts of Moddable's modules the binding uses, as Moddable documents
 * them (ECMA-419's embedded:io classes; Moddable's timer, time, flash,
 * preference, crypt, mqtt and mc/config). Declared here, not installed: the
 * Moddable SDK provides the real ones when `mcconfig` builds the project.
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
declare module "embedded:io/serial" {
  export default class Serial {
    constructor(options: { port: number; baud: number; format: "buffer"; onReadable?: () => void });
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
declare module "flash" {
  export default class Flash {
    constructor(partition: string);
    readonly byteLength: number;
    readonly blockSize: number;
    read(offset: number, length: number): ArrayBuffer;
    write(offset: number, length: number, data: ArrayBuffer): void;
    erase(sector: number): void;
  }
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
declare module "mqtt" {
  export default class MQTT {
    constructor(options: { host: string; port: number; id: string; user?: string; password?: string; keepalive: number });
    onReady?: () => void;
    onMessage?: (topic: string, body: ArrayBuffer) => void;
    onClose?: () => void;
    subscribe(topic: string): void;
    publish(topic: string, payload: ArrayBuffer): void;
    close(): void;
  }
}
declare module "mc/config" {
  /** The manifest's `config.hearth`, written by `hearth build --target moddable`. */
  const config: {
    hearth?: { board?: string; firmware?: string; deviceId?: string; broker?: string; port?: number; user?: string; password?: string; partition?: string };
  };
  export default config;
}
