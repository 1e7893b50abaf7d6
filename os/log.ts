import type { Kernel } from "./kernel.js";
import { frozen } from "../hal/frozen.js";

export const LogLevel = frozen({ debug: 0, info: 1, warn: 2, error: 3 } as const);
export type LogLevel = keyof typeof LogLevel;

export interface LogRecord {
  /** Kernel time, ms. */
  readonly at: number;
  readonly level: LogLevel;
  readonly task: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type LogSink = (record: LogRecord) => void;

/**
 * Structured log records in a RAM ring buffer (the newest `capacity` kept),
 * passed on to sinks: the console on a desktop, the flash log, the cloud
 * link. A sink that throws is dropped from that record, never from the loop.
 */
export class Log {
  private readonly ring: (LogRecord | undefined)[];
  private next = 0;
  private count = 0;
  private readonly sinks = new Set<LogSink>();
  minLevel: LogLevel = "debug";
  dropped = 0;

  constructor(
    private readonly kernel: Kernel,
    capacity = 256,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Log: capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<LogRecord | undefined>(capacity);
  }

  write(level: LogLevel, task: string, message: string, fields?: Record<string, unknown>): void {
    if (LogLevel[level] < LogLevel[this.minLevel]) return;
    const record: LogRecord = fields === undefined
      ? { at: this.kernel.now(), level, task, message }
      : { at: this.kernel.now(), level, task, message, fields };
    if (this.count === this.ring.length) this.dropped++;
    else this.count++;
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.ring.length;
    for (const sink of this.sinks) {
      try {
        sink(record);
      } catch {
        // A broken sink must not take the log, or the loop, down with it.
      }
    }
  }

  debug(task: string, message: string, fields?: Record<string, unknown>): void {
    this.write("debug", task, message, fields);
  }
  info(task: string, message: string, fields?: Record<string, unknown>): void {
    this.write("info", task, message, fields);
  }
  warn(task: string, message: string, fields?: Record<string, unknown>): void {
    this.write("warn", task, message, fields);
  }
  error(task: string, message: string, fields?: Record<string, unknown>): void {
    this.write("error", task, message, fields);
  }

  addSink(sink: LogSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** The records in the ring, oldest first. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    const start = (this.next - this.count + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.ring.length] as LogRecord);
    return out;
  }
}

/** One line for a console: `12.345s WARN control: message {fields}`. */
export function formatRecord(r: LogRecord): string {
  const fields = r.fields === undefined ? "" : ` ${JSON.stringify(r.fields)}`;
  return `${(r.at / 1000).toFixed(3)}s ${r.level.toUpperCase()} ${r.task}: ${r.message}${fields}`;
}
