/**
 * Reconnect delays: exponential backoff with full jitter. Attempt n waits a
 * uniformly random time in [0, min(cap, base * 2^n)], so a fleet that lost
 * its broker at the same moment comes back spread out, not in a storm.
 */
export interface BackoffOptions {
  /** The window of the first attempt, ms. Default 4000. */
  baseMs?: number;
  /** The widest window, ms. Default 120,000. */
  capMs?: number;
  /** How long a connection must stay up before the attempt count starts again, ms. Default 60,000. */
  stableMs?: number;
}

export class Backoff {
  private attempt = 0;
  private upSince: number | undefined;
  readonly baseMs: number;
  readonly capMs: number;
  readonly stableMs: number;

  constructor(
    private readonly random: () => number,
    options: BackoffOptions = {},
  ) {
    this.baseMs = options.baseMs ?? 4000;
    this.capMs = options.capMs ?? 120_000;
    this.stableMs = options.stableMs ?? 60_000;
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const window = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * window);
  }

  connected(now: number): void {
    this.upSince = now;
  }

  /** The connection dropped at `now`: a connection that lasted resets the count, a short one does not. */
  disconnected(now: number): void {
    if (this.upSince !== undefined && now - this.upSince >= this.stableMs) this.attempt = 0;
    this.upSince = undefined;
  }

  get attempts(): number {
    return this.attempt;
  }
}
