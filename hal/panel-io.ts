import { frozen } from "./frozen.js";
/**
 * The H1's panel IO classes, in the ECMA-419 pattern (hal/io.ts): the
 * segment display driver and the touch key block. Their contract is
 * hal/PANEL.md. Blinking, debouncing, long presses and repeats are the
 * chip's: firmware writes what to show and reads key events.
 */
import { HalError } from "./errors.js";
import { H1 } from "./h1.js";
import type { IOCallbacks } from "./io-base.js";
import { integerOption } from "./options.js";

/** What the display shows: up to four characters, each may be followed by a "." (its decimal point). */
export interface DisplayFrame {
  readonly text: string;
  /** The whole display blinks at 1 Hz (the driver's). Default false. */
  readonly blink?: boolean;
  /** 0 (dimmest) .. 7. Default 7. */
  readonly brightness?: number;
  /** Indicator LEDs, bit n for LED n (0..7): the board says which is which. Default 0. */
  readonly indicators?: number;
}

export interface DisplayOptions extends IOCallbacks<Display> {
  /** The display's starting brightness, 0..7. Default 7. */
  brightness?: number;
}

export interface Display {
  readonly format: "object";
  readonly digits: number;
  write(frame: DisplayFrame): void;
  read(): DisplayFrame;
  close(): void;
}

export type KeyEventKind = "press" | "long" | "repeat";

export interface KeyEvent {
  /** 0..5. */
  readonly key: number;
  /** `press`: touched and let go before the long-press time; `long`: held that long; `repeat`: still held, a repeat key. */
  readonly kind: KeyEventKind;
  /** Chip time (ms) of the event. */
  readonly at: number;
}

export interface TouchKeysOptions extends IOCallbacks<TouchKeys> {
  /** Held this long (ms, 300..5000) a touch is a long press. Default 800. */
  longPressMs?: number;
  /** Keys (bit n for key n) that repeat while held past the long press. Default none. */
  repeatKeys?: number;
  /** Between two repeats (ms, 50..2000). Default 200. */
  repeatMs?: number;
}

export interface TouchKeys {
  readonly format: "object";
  readonly keys: number;
  /** The oldest event not yet read, or undefined. onReadable is called when one arrives. */
  read(): KeyEvent | undefined;
  close(): void;
}

/**
 * Seven-segment patterns (bit 0 segment a .. bit 6 segment g) of what the
 * driver can show; anything else is refused, by name.
 */
export const SEGMENTS: Readonly<Record<string, number>> = frozen({
  "0": 0x3f, "1": 0x06, "2": 0x5b, "3": 0x4f, "4": 0x66, "5": 0x6d, "6": 0x7d, "7": 0x07, "8": 0x7f, "9": 0x6f,
  A: 0x77, b: 0x7c, C: 0x39, c: 0x58, d: 0x5e, E: 0x79, F: 0x71, H: 0x76, h: 0x74, L: 0x38, n: 0x54, o: 0x5c,
  P: 0x73, r: 0x50, t: 0x78, U: 0x3e, u: 0x1c, "-": 0x40, _: 0x08, " ": 0x00,
});
/** The decimal point's bit in a digit's pattern. */
export const DECIMAL_POINT = 0x80;

/** A frame's digits as segment patterns (right-aligned, blanks in front), checked whole: a bad frame names what is wrong. */
export function segmentsOf(frame: DisplayFrame): number[] {
  const digits = H1.appliance.display.digits;
  if (typeof frame !== "object" || frame === null || typeof frame.text !== "string") throw new HalError("bad-option", `Display: write takes { text, blink?, brightness?, indicators? }, got ${String(frame)}`, "text");
  const patterns: number[] = [];
  for (const ch of frame.text) {
    if (ch === ".") {
      if (patterns.length === 0 || ((patterns[patterns.length - 1] as number) & DECIMAL_POINT) !== 0) patterns.push(DECIMAL_POINT);
      else patterns[patterns.length - 1] = (patterns[patterns.length - 1] as number) | DECIMAL_POINT;
      continue;
    }
    const pattern = SEGMENTS[ch];
    if (pattern === undefined) throw new HalError("bad-option", `Display: a seven-segment digit cannot show ${JSON.stringify(ch)} (it shows 0-9, ${Object.keys(SEGMENTS).filter((c) => !/[0-9 ]/.test(c)).join(" ")}, space and ".")`, "text");
    patterns.push(pattern);
  }
  if (patterns.length > digits) throw new HalError("bad-option", `Display: ${JSON.stringify(frame.text)} is ${patterns.length} digits; the display has ${digits}`, "text");
  integerOption("Display", "brightness", frame.brightness, 0, H1.appliance.display.brightnessSteps - 1);
  integerOption("Display", "indicators", frame.indicators, 0, 2 ** H1.appliance.display.indicators - 1);
  if (frame.blink !== undefined && typeof frame.blink !== "boolean") throw new HalError("bad-option", `Display: blink must be true or false, got ${String(frame.blink)}`, "blink");
  return [...new Array<number>(digits - patterns.length).fill(0), ...patterns];
}

/** Checks TouchKeys' options, returning them with defaults. */
export function touchKeysOptions(o: TouchKeysOptions): { longPressMs: number; repeatKeys: number; repeatMs: number } {
  return {
    longPressMs: integerOption("TouchKeys", "longPressMs", o.longPressMs, 300, 5000) ?? 800,
    repeatKeys: integerOption("TouchKeys", "repeatKeys", o.repeatKeys, 0, 2 ** H1.appliance.touchKeys.keys - 1) ?? 0,
    repeatMs: integerOption("TouchKeys", "repeatMs", o.repeatMs, 50, 2000) ?? 200,
  };
}
