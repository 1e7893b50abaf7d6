/**
 * What every IO class shares (ECMA-419's IO class pattern), apart from the
 * classes themselves: io.ts (the chip's classes) and each block's file
 * (mains-io.ts, motor-io.ts, panel-io.ts, bus-io.ts) import these, and
 * io.ts gathers the blocks, so the blocks never import io.ts.
 */

export type Bit = 0 | 1;

export interface IOCallbacks<Self> {
  /** Called when there is data to read (input pins: on a selected edge). */
  onReadable?: (this: Self) => void;
  /** Called on an asynchronous error; synchronous errors throw instead. */
  onError?: (this: Self, error: Error) => void;
}
