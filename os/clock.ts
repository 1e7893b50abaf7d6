/**
 * The clock port: the only way the OS learns the time or waits. A host
 * supplies one (real time on Node, virtual time in simulation, a hardware
 * timer on a chip). Firmware never touches global timers.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock. Never goes backwards. */
  now(): number;
  /**
   * Call `wake` at `at` (a time on this clock) or as soon after as the host can;
   * undefined cancels. Each call replaces the previous request.
   */
  requestWake(at: number | undefined): void;
  /** The kernel installs its run function here, once. */
  attach(wake: () => void): void;
}
