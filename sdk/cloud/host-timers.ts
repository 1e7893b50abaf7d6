/**
 * The host's real-time timers. The cloud side runs on a server or in a
 * browser, never in an image, and waits in real time (a command's timeout);
 * both hosts have these two functions, which ES2022 itself does not declare.
 */
export type TimerHandle = { readonly __timer: unique symbol };

interface HostTimers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

const host = globalThis as unknown as HostTimers;

export function setHostTimeout(callback: () => void, ms: number): TimerHandle {
  return host.setTimeout(callback, ms);
}

export function clearHostTimeout(handle: TimerHandle): void {
  host.clearTimeout(handle);
}
