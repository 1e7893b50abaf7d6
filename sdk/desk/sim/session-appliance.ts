import { H1, h1Layout } from "../../../hal/h1.js";
import { SimFlash } from "../../../hal/sim/flash.js";
import type { DisplayView } from "../../../hal/sim/panel.js";
import { installConfirmed } from "../../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../../os/boot/signing.js";
import { LogLevel, type LogRecord } from "../../../os/log.js";
import type { VirtualClock } from "../../../os/virtual-clock.js";
import type { ApplianceApp } from "./app.js";
import type { Cloud } from "../../cloud/cloud.js";
import type { CloudDevice } from "../../cloud/cloud-device.js";
import type { Transport } from "../../protocol/transport.js";
import type { ModelSpec } from "../../thing/model.js";
import { describeValues, inBoth, labelOf, type Language } from "../../thing/presentation.js";
import { SimNetwork } from "./network.js";
import type { SimulatedBoard } from "./board.js";
import { startBoard, type Engine, type HostServices } from "./start-board.js";

/** One line of an appliance's story, for the console's event log. */
export interface ApplianceEvent {
  /** Simulated ms. */
  at: number;
  kind: "event" | "log" | "reset" | "fault" | "link";
  /** In English; in the model's words where the line is about the model. */
  text: string;
  /** The same in Simplified Chinese, where the line is in the model's words. */
  zh?: string;
}

/** What the console shows of one appliance (its HTTP API, sdk/desk/console/api.ts). */
export interface ApplianceView {
  id: string;
  app: string;
  board: string;
  firmware: string | null;
  status: string;
  online: boolean;
  network: boolean;
  link: string;
  reported: Record<string, unknown>;
  readings: Record<string, number>;
  boots: number;
  resets: number;
  sensors: readonly string[];
  byHand: string[];
  /** The series to chart first. */
  chart: readonly string[];
  /** The front panel: its keys and lights by name (the board's), and what its display shows now. */
  panel: { keys: readonly string[]; indicators: readonly string[]; display: DisplayView } | null;
}

/** Numbers over time: the plant's readings and the reported properties (bools as 0 and 1, enums as their value's index; not strings). */
export interface Sample {
  at: number;
  values: Record<string, number>;
}

export interface SessionApplianceOptions {
  app: ApplianceApp<ModelSpec>;
  deviceId: string;
  clock: VirtualClock;
  seed: number;
  engine: Engine;
  cloud: Cloud;
  /** A new connection to the broker, for each boot. */
  connect: () => Transport;
  flash?: SimFlash;
  /** Boot from images signed with this key; a factory image goes into the flash first (give it only for a blank one). */
  images?: { publicKey: Uint8Array; factoryImage?: Uint8Array };
  host: HostServices;
  /** Sample the appliance every simulated second for charts (only a console needs it). Default true. */
  sampled?: boolean;
}

/** Four simulated hours of one-second samples: what the console can zoom over on the desk. */
const HISTORY = 4 * 3600;
const STORY = 300;

/**
 * One simulated appliance in a desktop session: its board (on either
 * engine), its network (which fault injection may unplug), the cloud's view
 * of it, and what the console shows (samples over time, a log of what
 * happened).
 */
export class SessionAppliance {
  readonly board: SimulatedBoard<ModelSpec>;
  readonly network: SimNetwork;
  readonly cloudDevice: CloudDevice<ModelSpec>;
  readonly samples: Sample[] = [];
  readonly story: ApplianceEvent[] = [];
  private readonly listeners = new Set<(e: ApplianceEvent) => void>();

  constructor(readonly o: SessionApplianceOptions) {
    this.network = new SimNetwork(o.connect);
    const flash = o.images?.factoryImage === undefined ? o.flash : factoryFlash(o.images.factoryImage, o.images.publicKey, o.app.boardId, o.flash);
    this.board = startBoard({
      engine: o.engine,
      app: o.app,
      clock: o.clock,
      seed: o.seed,
      ...(flash === undefined ? {} : { flash }),
      ...(o.images === undefined ? {} : { publicKey: o.images.publicKey }),
      host: o.host,
      network: { transport: () => this.network.transport(), deviceId: o.deviceId },
    });
    this.cloudDevice = o.cloud.device(o.deviceId, o.app.model);
    this.cloudDevice.onEvent(({ name, fields }) => {
      const spec = this.app.model.spec.events[name];
      this.say("event", (lang) => `${labelOf(spec, name, lang)}${Object.keys(fields).length > 0 ? `: ${describeValues(spec?.fields ?? {}, fields, lang)}` : ""}`);
    });
    this.board.onLog((r: LogRecord) => {
      if (LogLevel[r.level] >= LogLevel.warn) this.tell("log", `${r.level} ${r.task}: ${r.message}`);
    });
    if (o.sampled ?? true) this.board.hardware.every(1000, () => this.sample(), { task: "console" });
  }

  get id(): string {
    return this.o.deviceId;
  }
  get app(): ApplianceApp<ModelSpec> {
    return this.o.app;
  }

  /** Hears every new line of the story. */
  onStory(listener: (e: ApplianceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A line in the model's words, in both languages. */
  say(kind: ApplianceEvent["kind"], words: (lang: Language) => string): void {
    const { en, zh } = inBoth(words);
    this.tell(kind, en, zh);
  }

  tell(kind: ApplianceEvent["kind"], text: string, zh?: string): void {
    const e: ApplianceEvent = { at: Math.round(this.o.clock.now()), kind, text, ...(zh === undefined ? {} : { zh }) };
    this.story.push(e);
    if (this.story.length > STORY) this.story.shift();
    for (const listener of this.listeners) listener(e);
  }

  /** Cuts the power for `offMs`; the board boots again by itself. */
  cutPower(offMs = 3000): void {
    this.tell("fault", `power cut for ${offMs / 1000} s`);
    const resets = this.board.resets.length;
    this.board.cutPower(offMs);
    this.board.hardware.after(offMs + 1, () => {
      if (this.board.resets.length > resets) this.tell("reset", `power back: booted ${this.board.firmware ?? "nothing"} (boot ${this.board.boots})`);
    }, "console");
  }

  setNetwork(up: boolean): void {
    if (up === this.network.up) return;
    if (up) this.network.plug();
    else this.network.unplug();
    this.tell("fault", up ? "network plugged back in" : "network unplugged");
  }

  failSensor(name: string, failure: "open" | "short" | undefined): void {
    const sensors = this.board.plant.sensors;
    if (sensors === undefined || !sensors.names.includes(name)) throw new RangeError(`${this.id} has no sensor called ${JSON.stringify(name)}`);
    sensors.set(name, failure);
    this.tell("fault", failure === undefined ? `sensor ${name} mended` : `sensor ${name} ${failure === "open" ? "open circuit" : "shorted"}`);
  }

  /** A finger on key `key` of the front panel for `holdMs` (the chip debounces it and times a long press). */
  pressKey(key: number, holdMs: number): void {
    const keys = this.app.panel?.keys ?? [];
    if (!Number.isInteger(key) || key < 0 || key >= keys.length) throw new RangeError(`${this.id} has ${keys.length === 0 ? "no panel keys" : `panel keys 0..${keys.length - 1} (${keys.join(", ")})`}, not ${String(key)}`);
    if (!Number.isInteger(holdMs) || holdMs < 1 || holdMs > 10_000) throw new RangeError(`holdMs must be an integer 1..10000, got ${String(holdMs)}`);
    this.board.h1.panel.touch(key, true);
    this.board.hardware.after(holdMs, () => this.board.h1.panel.touch(key, false), "console");
    this.tell("event", `key ${keys[key] ?? key} ${holdMs >= 800 ? "held" : "pressed"} on the panel`);
  }

  /** Does what a person does by hand, and says what happened. */
  byHand(name: string): string {
    const action = this.board.plant.byHand?.[name];
    if (action === undefined) throw new RangeError(`${this.id} has nothing to do by hand called ${JSON.stringify(name)}`);
    const happened = action();
    this.tell("fault", `by hand: ${name}: ${happened}`);
    return happened;
  }

  /** What the console shows of this appliance now. */
  view(): ApplianceView {
    const board = this.board;
    return {
      id: this.id,
      app: this.app.name,
      board: this.app.boardId,
      firmware: this.board.firmware ?? null,
      status: this.board.firmware === undefined ? "no firmware running" : this.board.status(),
      online: this.cloudDevice.online,
      network: this.network.up,
      link: this.board.inspect()?.link ?? "down",
      reported: this.cloudDevice.reported,
      readings: this.board.plant.readings(),
      boots: board.boots,
      resets: board.resets.length,
      sensors: board.plant.sensors?.names ?? [],
      byHand: Object.keys(board.plant.byHand ?? {}),
      chart: this.app.chart ?? Object.keys(board.plant.readings()).slice(0, 2),
      panel: this.app.panel === undefined ? null : { keys: this.app.panel.keys, indicators: this.app.panel.indicators, display: board.h1.panel.display() },
    };
  }

  private sample(): void {
    const values: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.board.plant.readings())) values[name] = round(value);
    // Bools as 0 and 1, so a chart can shade when a door was open or a compressor ran; an enum as its
    // value's index, so a washer's phases can be drawn over time.
    for (const [name, value] of Object.entries(this.cloudDevice.reported)) {
      const spec = this.app.model.spec.properties[name];
      if (typeof value === "number" || typeof value === "boolean") values[`${name} (reported)`] = Number(value);
      else if (spec?.type === "enum") values[`${name} (reported)`] = spec.values.indexOf(value as string);
    }
    this.samples.push({ at: Math.round(this.o.clock.now()), values });
    // Trimmed a tenth at a time: shifting a long array every sample costs its length each second.
    if (this.samples.length > HISTORY * 1.1) this.samples.splice(0, this.samples.length - HISTORY);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A blank H1 flash with `image` in a slot, installed and confirmed, as a factory would leave it. */
function factoryFlash(image: Uint8Array, publicKey: Uint8Array, board: string, flash = new SimFlash(H1.flash)): SimFlash {
  installConfirmed(flash, h1Layout(), publicKey, board, verifyEd25519, image);
  return flash;
}
