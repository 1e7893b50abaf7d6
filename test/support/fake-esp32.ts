import { sha256, sha512 } from "@noble/hashes/sha2.js";
import type { Plugin } from "esbuild";
import { ESP32, type DevChip } from "../../boards/dev/chips.js";

/** A row of an ESP-IDF partition table (partitions.csv): data partitions by name, XS's mod partition as type 0x40 subtype 1. */
export interface FakePartition {
  name: string;
  type: string;
  subtype: string;
  size: number;
}

/** The partitions a partitions.csv declares (its comments and blank lines skipped). */
export function partitionsOf(csv: string): FakePartition[] {
  return csv
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))
    .map((l) => l.split(",").map((c) => c.trim()))
    .map(([name = "", type = "", subtype = "", , size = "0"]) => ({ name, type, subtype, size: Number(size) }));
}

/** What a fake ESP32 keeps across a restart: its flash, by partition. */
export type FakeFlash = Map<string, Uint8Array>;

/** Blank NOR flash for each data partition the table declares (the app partitions are the program: not here). */
export function blankFlash(partitions: readonly FakePartition[]): FakeFlash {
  return new Map(partitions.filter((p) => p.type !== "app" && p.type !== "").map((p) => [p.name, new Uint8Array(p.size).fill(0xff)]));
}

/**
 * Moddable's modules on an ESP32, faked in Node for the Moddable binding's
 * tests: the IO classes refuse what the chip refuses (a pin it has not, an
 * output on an input-only pin, analog on ADC2 with Wi-Fi on or on a pin with
 * no ADC), each data partition of the export's table is NOR flash
 * (programming only clears bits) that outlives a restart, timers run when the
 * test advances time, and the MQTT client records what it is asked (options,
 * QoS, subscriptions) and lets the test play the broker. XS's mods: at boot
 * XS maps the archive in its mod partition (type 0x40, subtype 1); here the
 * test says which JavaScript an archive was compiled from (`mods`, by the
 * archive's first 44 bytes, which XS never rewrites), and Modules.importNow
 * gives that module while the partition holds that archive. An archive it
 * does not know is one XS cannot map: it is marked "XS_E" as XS marks it (its first sector erased first).
 */
export class FakeEsp32 {
  now = 0;
  readonly traces: string[] = [];
  readonly opened: { kind: string; pin: number; mode?: number; hz?: number }[] = [];
  readonly writes: { pin: number; value: number }[] = [];
  restarts = 0;
  readonly analog = new Map<number, number>();
  /** Hearth's data partition (the manifest's `partition`). */
  readonly flash: Uint8Array;
  readonly partitions: FakeFlash;
  readonly clients: FakeMqtt[] = [];
  /** Called with each MQTT client the binding makes (a test's broker attaches it). */
  onClient: ((client: FakeMqtt) => void) | undefined;
  /** The program's resources, by name (Resource). */
  readonly resources = new Map<string, Uint8Array>();
  /** The mod XS mapped at this boot: its modules' namespaces by name; undefined when the mod partition holds no archive XS maps. */
  readonly mod: Map<string, unknown> | undefined;
  private timers = new Map<number, { at: number; fn: () => void }>();
  /** What each I2C address answers a read with, and every write to it. */
  readonly i2c = new Map<number, Uint8Array>();
  readonly i2cWrites: { address: number; bytes: number[] }[] = [];
  /** Inputs opened with an edge: the pin's interrupt handler. */
  private readonly edges = new Map<number, () => void>();
  private nextTimer = 1;

  constructor(
    readonly config: Record<string, unknown>,
    readonly chip: DevChip = ESP32,
    o: { partitions?: FakeFlash; mods?: ReadonlyMap<string, Map<string, unknown>> } = {},
  ) {
    const name = typeof config["partition"] === "string" ? config["partition"] : "hearth";
    this.partitions = o.partitions ?? new Map([[name, new Uint8Array(0xc0000).fill(0xff)]]);
    this.flash = this.partitions.get(name) ?? new Uint8Array(0);
    const xs = this.partitions.get(MOD_PARTITION);
    this.mod = xs === undefined ? undefined : mapArchive(xs, o.mods ?? new Map());
  }

  /** Runs every timer due within `ms`, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      next[1].fn();
    }
    this.now = end;
  }

  /** An edge on an input pin, now: its onReadable runs. */
  edge(pin: number): void {
    this.edges.get(pin)?.();
  }

  /** What the stub modules export, by module name. */
  modules(): Record<string, unknown> {
    const esp = this;
    const pinCheck = (pin: number): void => {
      if (!esp.chip.gpio.includes(pin)) throw new RangeError(`invalid pin ${pin}`);
    };
    class Digital {
      constructor(private readonly o: { pin: number; mode: number; edge?: number; onReadable?: () => void }) {
        pinCheck(o.pin);
        if (o.mode !== 0 && esp.chip.inputOnly.includes(o.pin)) throw new Error(`GPIO ${o.pin} is input-only`);
        esp.opened.push({ kind: "digital", pin: o.pin, mode: o.mode });
        if (o.edge !== undefined && o.onReadable !== undefined) esp.edges.set(o.pin, o.onReadable);
      }
      read(): number {
        return 0;
      }
      write(value: number): void {
        esp.writes.push({ pin: this.o.pin, value });
      }
      close(): void {}
    }
    class Analog {
      readonly resolution = 12;
      constructor(private readonly o: { pin: number }) {
        pinCheck(o.pin);
        if (esp.chip.adc2.includes(o.pin)) throw new Error(`GPIO ${o.pin} is on ADC2, which the Wi-Fi driver owns`);
        if (!esp.chip.adc1.includes(o.pin)) throw new RangeError(`GPIO ${o.pin} has no ADC channel`);
        esp.opened.push({ kind: "analog", pin: o.pin });
      }
      read(): number {
        return esp.analog.get(this.o.pin) ?? 2048;
      }
      close(): void {}
    }
    class PWM {
      readonly resolution: number;
      readonly hz: number;
      constructor(private readonly o: { pin: number; hz: number }) {
        pinCheck(o.pin);
        if (esp.chip.inputOnly.includes(o.pin)) throw new Error(`GPIO ${o.pin} is input-only`);
        this.resolution = Math.min(esp.chip.pwm.maxBits, Math.floor(Math.log2(esp.chip.pwm.clockHz / o.hz)));
        this.hz = o.hz;
        esp.opened.push({ kind: "pwm", pin: o.pin, hz: o.hz });
      }
      write(value: number): void {
        esp.writes.push({ pin: this.o.pin, value });
      }
      close(): void {}
    }
    class Serial {
      constructor(o: { port: number; transmit: number; receive: number }) {
        pinCheck(o.transmit);
        pinCheck(o.receive);
        esp.opened.push({ kind: "serial", pin: o.transmit });
      }
      read(): undefined {
        return undefined;
      }
      write(): void {}
      close(): void {}
    }
    const partitionOf = (bytes: Uint8Array) => ({
      status: () => ({ size: bytes.length, blockLength: 4096, blocks: bytes.length / 4096, writeAlign: 1, eraseValue: 0xff }),
      read: (length: number, offset: number) => bytes.slice(offset, offset + length).buffer,
      write(buffer: ArrayBuffer, offset: number) {
        const data = new Uint8Array(buffer);
        if (offset < 0 || offset + data.length > bytes.length) throw new RangeError("invalid offset");
        for (let i = 0; i < data.length; i++) bytes[offset + i] = (bytes[offset + i] as number) & (data[i] as number);
      },
      eraseBlock(start: number, end = start + 1) {
        bytes.fill(0xff, start * 4096, end * 4096);
      },
      close() {},
    });
    const Timer = {
      set: (fn: () => void, ms: number) => {
        const id = esp.nextTimer++;
        esp.timers.set(id, { at: esp.now + Math.max(0, ms), fn });
        return id;
      },
      schedule: (id: number, ms: number) => {
        const t = esp.timers.get(id);
        if (t !== undefined) t.at = esp.now + ms;
      },
      clear: (id: number | undefined) => void (id !== undefined && esp.timers.delete(id)),
    };
    class Digest {
      private readonly parts: Uint8Array[] = [];
      private readonly hash: { create(): { update(data: Uint8Array): unknown; digest(): Uint8Array } };
      constructor(type: string) {
        const hash = ({ SHA256: sha256, SHA512: sha512 } as Record<string, typeof this.hash | undefined>)[type];
        if (hash === undefined) throw new Error(`Digest ${type}: not in this fake`);
        this.hash = hash;
      }
      write(data: ArrayBuffer): void {
        this.parts.push(new Uint8Array(data).slice());
      }
      close(): ArrayBuffer {
        const h = this.hash.create();
        for (const p of this.parts) h.update(p);
        return h.digest().slice().buffer;
      }
    }
    /** Moddable's Modules: a mod's module while XS's mod partition holds the archive it was compiled into (else XS's "not found"). */
    class Modules {
      static has(name: string): boolean {
        return esp.mod?.has(name) ?? false;
      }
      static importNow(name: string, namespace = false): unknown {
        const found = esp.mod?.get(name) as { default?: unknown } | undefined;
        if (found === undefined) throw new Error(`module "${name}" not found`);
        return namespace ? found : found.default;
      }
    }
    /** A resource of the program: its bytes, read-only in flash on a chip (a copy here). */
    function Resource(name: string): ArrayBuffer {
      const bytes = esp.resources.get(name);
      if (bytes === undefined) throw new Error(`Resource: ${name} not found`);
      return bytes.slice().buffer;
    }
    class MQTTClient extends FakeMqtt {
      constructor(options: MqttOptions) {
        super(options);
        esp.clients.push(this);
        esp.onClient?.(this);
      }
    }
    /** The I2C chips on the board by address: they answer a read with `reply`. */
    class I2C {
      constructor(private readonly o: { data: number; clock: number; hz: number; address: number }) {
        pinCheck(o.data);
        pinCheck(o.clock);
        if (esp.chip.inputOnly.includes(o.clock)) throw new Error(`GPIO ${o.clock} is input-only`);
        esp.opened.push({ kind: "i2c", pin: o.data, hz: o.hz });
      }
      read(count: number): ArrayBuffer {
        const reply = esp.i2c.get(this.o.address);
        if (reply === undefined) throw new Error(`I2C: no ack from 0x${this.o.address.toString(16)}`);
        return reply.slice(0, count).buffer;
      }
      write(data: ArrayBuffer): void {
        esp.i2cWrites.push({ address: this.o.address, bytes: [...new Uint8Array(data)] });
      }
      close(): void {}
    }
    /** SPI in place, as Moddable's is: the fake device answers each byte with its complement. */
    class SPI {
      constructor(o: { out: number; in: number; clock: number; select: number; hz: number }) {
        for (const pin of [o.out, o.in, o.clock, o.select]) pinCheck(pin);
        esp.opened.push({ kind: "spi", pin: o.select, hz: o.hz });
      }
      transfer(buffer: ArrayBuffer): void {
        const b = new Uint8Array(buffer);
        for (let i = 0; i < b.length; i++) b[i] = ~(b[i] as number) & 0xff;
      }
      read(): never {
        throw new Error("not used");
      }
      write(): void {}
      close(): void {}
    }
    return {
      "embedded:io/i2c": I2C,
      "embedded:io/spi": SPI,
      "embedded:io/digital": Digital,
      "embedded:io/analog": Analog,
      "embedded:io/pwm": PWM,
      "embedded:io/serial": Serial,
      "embedded:storage/flash": {
        // As modules/io/flash/esp32: "xs" is XS's mod partition (type 0x40, subtype 1), any other name a data partition.
        open: ({ path }: { path: string }) => {
          const bytes = esp.partitions.get(path);
          if (bytes === undefined) throw new Error("can't find partition");
          return partitionOf(bytes);
        },
      },
      timer: Timer,
      time: {
        get ticks() {
          return esp.now;
        },
      },
      system: { restart: () => void esp.restarts++ },
      Resource,
      modules: Modules,
      preference: { get: () => undefined },
      crypt: { Digest },
      "mc/config": { hearth: esp.config },
      "hearth-network": { io: MQTTClient, dns: {}, socket: { io: "tcp" } },
    };
  }

  /** An esbuild plugin that serves these modules from globalThis.__esp32 (set it before importing the bundle). */
  static plugin(): Plugin {
    return {
      name: "fake-esp32",
      setup(b) {
        b.onResolve({ filter: /^(embedded:|timer$|time$|system$|Resource$|preference$|crypt$|modules$|mc\/config$|hearth-network$)/ }, (a) => ({ path: a.path, namespace: "fake-esp32" }));
        b.onLoad({ filter: /.*/, namespace: "fake-esp32" }, (a) => ({ contents: FakeEsp32.moduleSource(a.path) }));
      },
    };
  }

  /** The JavaScript the plugin serves for a module: what it exports (test/moddable/fake-esp32.test.ts holds it to Moddable's). */
  static moduleSource(name: string): string {
    if (name === "crypt") return "export const Digest = globalThis.__esp32.crypt.Digest;";
    if (name === "system") return SYSTEM;
    return FAKED.includes(name) ? `export default globalThis.__esp32[${JSON.stringify(name)}];` : "throw new Error('not faked');";
  }
}

/** The modules served with a default export. */
export const FAKED = ["embedded:io/i2c", "embedded:io/spi", "embedded:io/digital", "embedded:io/analog", "embedded:io/pwm", "embedded:io/serial", "embedded:storage/flash", "timer", "time", "Resource", "preference", "modules", "mc/config", "hearth-network"];

/** XS's mod partition, as partitions.csv names it (type 0x40, subtype 1). */
const MOD_PARTITION = "xs";

/** The head of an archive XS never rewrites (its size, "XS_A", version and content MD5), as hex: how the test names a mod. */
export function archiveHead(archive: Uint8Array): string {
  return Buffer.from(archive.subarray(0, 44)).toString("hex");
}

/**
 * What XS does at boot with its mod partition (xsAPI.c, fxMapArchive): no "XS_A" at its start, no
 * mod; an archive it can map, that mod; one it cannot (here: one the test did not give), marked
 * "XS_E" in its first 9 bytes (the sector erased first, as the ESP32 host's write does), and no mod.
 */
function mapArchive(xs: Uint8Array, mods: ReadonlyMap<string, Map<string, unknown>>): Map<string, unknown> | undefined {
  if (Buffer.from(xs.subarray(4, 8)).toString("latin1") !== "XS_A") return undefined;
  const mod = mods.get(archiveHead(xs));
  if (mod !== undefined) return mod;
  // XS writes its 9-byte mark at offset 0 through the host's spiWrite, which erases the sector first when
  // the offset starts one (xs/platforms/esp/xsHost.c): the rest of the archive's first 4 KiB goes with it.
  xs.fill(0xff, 0, Math.min(xs.length, 4096));
  xs.set([0, 0, 0, 9, 0x58, 0x53, 0x5f, 0x45, 1]);
  return undefined;
}

/** As Moddable's modules/io/system/system.js: no export; its body sets globalThis.System. */
const SYSTEM = "globalThis.System = globalThis.__esp32.system;";

interface MqttOptions {
  host: string;
  port: number;
  id: string;
  /** Milliseconds; Moddable's client still reads the older `keepalive` too, "for compatibility, should eventually be removed". */
  keepAlive: number;
  clean: boolean;
  will: { topic: string; message: ArrayBuffer; QoS: number; retain: boolean };
  user?: string;
  password?: string;
  onControl(message: { operation: number }): void;
  onReadable(count: number, options: { topic?: string; more?: boolean }): void;
  onClose?(): void;
  onError?(): void;
}

/** ECMA-419's MQTT client as the binding uses it; the test plays the broker. */
export class FakeMqtt {
  static readonly CONNACK = 2;
  static readonly SUBSCRIBE = 8;
  readonly published: { topic: string; QoS: number; payload: Uint8Array }[] = [];
  readonly subscribed: { topic: string; QoS: number }[] = [];
  closed = false;
  /** A test's broker, when one carries this client's traffic (moddable-board.ts, attachBroker). */
  bridge: { publish(topic: string, payload: Uint8Array): void; subscribe(topic: string): void; close(): void } | undefined;
  private pending: ArrayBuffer[] = [];

  constructor(readonly options: MqttOptions) {}

  connack(): void {
    this.options.onControl.call(this, { operation: FakeMqtt.CONNACK });
  }
  /** A message from the broker, in `fragments` pieces as the client hands them over. */
  deliver(topic: string, payload: Uint8Array, fragments = 1): void {
    const size = Math.ceil(payload.length / fragments);
    for (let i = 0; i < fragments; i++) {
      const part = payload.slice(i * size, (i + 1) * size);
      this.pending = [part.buffer];
      this.options.onReadable.call(this, part.length, { ...(i === 0 ? { topic } : {}), more: i < fragments - 1 });
    }
  }
  read(): ArrayBuffer | undefined {
    return this.pending.shift();
  }
  write(data: ArrayBuffer | null, options: { topic?: string; QoS?: number; operation?: number; items?: { topic: string; QoS: number }[] }): void {
    if (options.operation === FakeMqtt.SUBSCRIBE) {
      this.subscribed.push(...(options.items ?? []));
      for (const item of options.items ?? []) this.bridge?.subscribe(item.topic);
    } else if (data !== null) {
      this.published.push({ topic: options.topic ?? "", QoS: options.QoS ?? 0, payload: new Uint8Array(data) });
      this.bridge?.publish(options.topic ?? "", new Uint8Array(data));
    }
  }
  close(): void {
    this.closed = true;
    this.bridge?.close();
    this.bridge = undefined;
  }
}
