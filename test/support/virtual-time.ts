import type { VirtualClock } from "../../os/virtual-clock.js";

/**
 * Drives virtual time for tests with brokers in memory: `run` advances in
 * 100 ms steps and lets deliveries (microtasks) happen between them, until
 * `until` holds; `settle` awaits a cloud request while time runs, so the
 * device can answer it.
 */
export function virtualTime(clock: VirtualClock, settleMs = 60 * 60_000) {
  const run = async (ms: number, until?: () => boolean): Promise<void> => {
    const end = clock.now() + ms;
    while (clock.now() < end && !(until?.() ?? false)) {
      clock.runFor(Math.min(100, end - clock.now()));
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  const settle = async <T>(request: Promise<T>): Promise<T> => {
    let done = false;
    const tracked = request.finally(() => (done = true));
    await run(settleMs, () => done);
    return tracked;
  };
  return { run, settle };
}
