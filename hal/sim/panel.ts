import { HalError } from "../errors.js";
import { H1 } from "../h1.js";
import { integerOption } from "../options.js";
import { segmentsOf, touchKeysOptions, type Display, type DisplayFrame, type DisplayOptions, type KeyEvent, type KeyEventKind, type TouchKeys, type TouchKeysOptions } from "../panel-io.js";
import type { MainsTimer } from "./mains.js";
import { callbackOption } from "./options.js";

type Cancel = { cancel(): void };

/** What the display shows now, for a plant or a console. */
export interface DisplayView {
  /** One seven-segment pattern per digit (bit 0 a .. bit 6 g, bit 7 the point); all 0 when blank. */
  readonly segments: readonly number[];
  readonly text: string;
  readonly blink: boolean;
  /** Lit now: false in the dark half of a blink, or with no display open. */
  readonly lit: boolean;
  readonly brightness: number;
  readonly indicators: number;
}

interface KeyState {
  raw: boolean;
  down: boolean;
  long: boolean;
  settle: Cancel | undefined;
  hold: Cancel | undefined;
}

/**
 * The H1's panel block, simulated: the segment display driver (it blinks by
 * itself) and the touch key block (it debounces, times long presses and
 * repeats by itself, and queues events). A plant or a console touches keys
 * with `touch(key, down)` and reads the display with `display()`.
 */
export class PanelBlock {
  private frame: DisplayFrame | undefined;
  private segments: number[] = [];
  private keyOptions: { longPressMs: number; repeatKeys: number; repeatMs: number } | undefined;
  private readonly keys: KeyState[] = Array.from({ length: H1.appliance.touchKeys.keys }, () => ({ raw: false, down: false, long: false, settle: undefined, hold: undefined }));
  private readonly queue: KeyEvent[] = [];
  private listener: (() => void) | undefined;
  /** Who holds the display driver and the key block: one each, and a reset lets both go. */
  private displayHolder: object | undefined;
  private keysHolder: object | undefined;
  /** Events the queue had no room for (the oldest go). */
  dropped = 0;

  constructor(
    private readonly now: () => number,
    private readonly timer?: MainsTimer,
  ) {}

  display(): DisplayView {
    const f = this.frame;
    const blink = f?.blink ?? false;
    const lit = f !== undefined && (!blink || Math.floor(this.now() / H1.appliance.display.blinkMs) % 2 === 0);
    return { segments: f === undefined ? [0, 0, 0, 0] : this.segments, text: f?.text ?? "", blink, lit, brightness: f?.brightness ?? 7, indicators: f?.indicators ?? 0 };
  }

  /** A finger on (down) or off a key. The chip counts it once it has been stable for the debounce time. */
  touch(key: number, down: boolean): void {
    const k = this.keys[key];
    if (k === undefined) throw new RangeError(`the panel has keys 0..${this.keys.length - 1}, not ${key}`);
    if (k.raw === down) return;
    k.raw = down;
    k.settle?.cancel();
    k.settle = this.after(H1.appliance.touchKeys.debounceMs, () => {
      k.settle = undefined;
      if (k.raw !== k.down) this.settled(key, k);
    });
  }

  // The display driver.
  openDisplay(holder: object, brightness: number): void {
    if (this.displayHolder !== undefined) throw new HalError("pin-in-use", "Display: the H1's segment driver is already open");
    this.displayHolder = holder;
    this.frame = { text: "", brightness };
    this.segments = [0, 0, 0, 0];
  }
  writeDisplay(holder: object, frame: DisplayFrame): void {
    if (holder !== this.displayHolder) throw new HalError("closed", "Display: closed (a reset took the driver)");
    this.segments = segmentsOf(frame);
    this.frame = { text: frame.text, blink: frame.blink ?? false, brightness: frame.brightness ?? this.frame?.brightness ?? 7, indicators: frame.indicators ?? 0 };
  }
  readDisplay(): DisplayFrame {
    return this.frame ?? { text: "" };
  }
  closeDisplay(holder: object | undefined): void {
    if (holder !== this.displayHolder) return;
    this.displayHolder = undefined;
    this.frame = undefined;
  }

  // The key block.
  openKeys(holder: object, options: { longPressMs: number; repeatKeys: number; repeatMs: number }, listener: () => void): void {
    if (this.keysHolder !== undefined) throw new HalError("pin-in-use", "TouchKeys: the H1's key block is already open");
    this.keysHolder = holder;
    this.keyOptions = options;
    this.listener = listener;
    this.queue.length = 0;
  }
  readKey(holder: object): KeyEvent | undefined {
    if (holder !== this.keysHolder) throw new HalError("closed", "TouchKeys: closed (a reset took the key block)");
    return this.queue.shift();
  }
  closeKeys(holder: object | undefined): void {
    if (holder !== this.keysHolder) return;
    this.keysHolder = undefined;
    this.keyOptions = undefined;
    this.listener = undefined;
    this.queue.length = 0;
    for (const k of this.keys) {
      k.hold?.cancel();
      k.hold = undefined;
      k.long = false;
    }
  }

  /** A reset of the chip: the display dark, the keys closed (a finger still on a key stays on it). */
  reset(): void {
    this.closeDisplay(this.displayHolder);
    this.closeKeys(this.keysHolder);
  }

  private settled(key: number, k: KeyState): void {
    k.down = k.raw;
    const o = this.keyOptions;
    if (k.down) {
      k.long = false;
      if (o === undefined) return;
      k.hold = this.after(o.longPressMs, () => {
        k.long = true;
        this.emit(key, "long");
        if ((o.repeatKeys & (1 << key)) === 0) return;
        const repeat = (): void => {
          k.hold = this.after(o.repeatMs, () => {
            this.emit(key, "repeat");
            repeat();
          });
        };
        repeat();
      });
      return;
    }
    k.hold?.cancel();
    k.hold = undefined;
    if (!k.long && o !== undefined) this.emit(key, "press");
    k.long = false;
  }

  private emit(key: number, kind: KeyEventKind): void {
    if (this.keyOptions === undefined) return;
    if (this.queue.length >= H1.appliance.touchKeys.queue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push({ key, kind, at: this.now() });
    this.listener?.();
  }

  private after(ms: number, fn: () => void): Cancel {
    if (this.timer !== undefined) return this.timer.after(ms, fn);
    fn();
    return { cancel: () => undefined };
  }
}

/** The H1's Display IO class for one board (its panel block bound in). */
export function simDisplay(panel: PanelBlock): new (options: DisplayOptions) => Display {
  return SimDisplay.bind(null, panel);
}

/** The H1's TouchKeys IO class for one board. */
export function simTouchKeys(panel: PanelBlock): new (options: TouchKeysOptions) => TouchKeys {
  return SimTouchKeys.bind(null, panel);
}

class SimDisplay implements Display {
  readonly format = "object" as const;
  readonly digits = H1.appliance.display.digits;
  private closed = false;
  constructor(
    private readonly panel: PanelBlock,
    options: DisplayOptions,
  ) {
    callbackOption("Display", "onError", options.onError);
    callbackOption("Display", "onReadable", options.onReadable);
    const brightness = integerOption("Display", "brightness", options.brightness, 0, H1.appliance.display.brightnessSteps - 1) ?? 7;
    panel.openDisplay(this, brightness);
  }
  write(frame: DisplayFrame): void {
    if (this.closed) throw new HalError("closed", "Display: closed");
    this.panel.writeDisplay(this, frame);
  }
  read(): DisplayFrame {
    if (this.closed) throw new HalError("closed", "Display: closed");
    return this.panel.readDisplay();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.panel.closeDisplay(this);
  }
}

class SimTouchKeys implements TouchKeys {
  readonly format = "object" as const;
  readonly keys = H1.appliance.touchKeys.keys;
  private closed = false;
  constructor(
    private readonly panel: PanelBlock,
    options: TouchKeysOptions,
  ) {
    callbackOption("TouchKeys", "onReadable", options.onReadable);
    callbackOption("TouchKeys", "onError", options.onError);
    const checked = touchKeysOptions(options);
    const onReadable = options.onReadable;
    panel.openKeys(this, checked, () => onReadable?.call(this));
  }
  read(): KeyEvent | undefined {
    if (this.closed) throw new HalError("closed", "TouchKeys: closed");
    return this.panel.readKey(this);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.panel.closeKeys(this);
  }
}
