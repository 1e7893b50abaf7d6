import type { FirstView, SourceInfo, StatePush, StoryLine } from "./api.js";
import type { HistorySource } from "./history.js";

/**
 * Where the console's appliances come from, and who acts on them. The
 * console's server (node/server.ts) is one for every source: its security
 * (127.0.0.1, Host, Origin, this run's token), its routes and its push. A
 * source says what is there and does what the page asks:
 * - `sessionSource` (session-source.ts): a simulator session's boards,
 *   through the session's cloud library, with every fault control;
 * - `cloudSource` (node/cloud-source.ts): a running cloud tier's HTTP API
 *   (`hearth cloud serve`), with sets and invokes only: behind a cloud
 *   there is no simulator to cut the power of.
 */
export interface ConsoleSource {
  /** What the page says about the source. */
  info(): SourceInfo;
  /** Every appliance shown, with its model, at most `points` samples of history, its story and floor plan: the page's first load. */
  appliances(points: number): Promise<FirstView[]>;
  /** Now, for the push several times a second. */
  state(): StatePush;
  /** Whether the console shows an appliance called `id`. */
  has(id: string): boolean;
  readonly history: HistorySource;
  /** Hears each new line of any appliance's story. */
  onStory(listener: (line: StoryLine) => void): () => void;
  /**
   * A request of the page's, by name: `set` and `invoke` for every source;
   * `power`, `network`, `sensor`, `hand` and `key` for a simulator. Resolves
   * with the answer's body; rejects with a ConsoleError (its HTTP status and
   * what is wrong), or an error the server answers 500 with.
   */
  act(id: string, what: string, body: Record<string, unknown>): Promise<unknown>;
  /** Restarts the embedded broker; undefined when there is none the console may restart. */
  readonly restartBroker: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** A request the console refuses or could not carry out: the HTTP status it answers, and why. */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A request body's member that must be a JSON object. */
export function objectField(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConsoleError(400, `${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** A request body's member that must be a non-empty string. */
export function stringField(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw new ConsoleError(400, `${name} must be a non-empty string`);
  return value;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
