/** No MQTT broker answered at a URL in time: the user's to fix (is it running? is the URL right?). */
export class BrokerUnreachableError extends Error {
  override readonly name = "BrokerUnreachableError";
}

/** How long a session or a fleet waits for its broker before it gives up. */
export const BROKER_WAIT_MS = 30_000;

/**
 * Waits for `connected` (a cloud's start: its first connection), saying so
 * after a second and giving up after `timeoutMs` with BrokerUnreachableError;
 * resolves "interrupted" at once when the user stops (Ctrl-C, SIGTERM).
 */
export async function untilBrokerAnswers(
  connected: Promise<void>,
  o: { url: string; timeoutMs?: number; interrupted?: Promise<void>; print?: (line: string) => void },
): Promise<"up" | "interrupted"> {
  const timeoutMs = o.timeoutMs ?? BROKER_WAIT_MS;
  const shown = maskedUrl(o.url);
  const timers: NodeJS.Timeout[] = [];
  try {
    return await Promise.race([
      connected.then(() => "up" as const),
      (o.interrupted ?? new Promise<never>(() => undefined)).then(() => "interrupted" as const),
      new Promise<never>((_, reject) => {
        timers.push(setTimeout(() => o.print?.(`waiting for the broker at ${shown} (up to ${timeoutMs / 1000} s; Ctrl-C stops)`), 1000));
        timers.push(setTimeout(() => reject(new BrokerUnreachableError(`no MQTT broker answered at ${shown} within ${timeoutMs / 1000} s: is it running, and is the URL right?`)), timeoutMs));
      }),
    ]);
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

/** A broker URL as printed: its password, if it has one, masked. */
export function maskedUrl(url: string): string {
  const shown = new URL(url);
  if (shown.password !== "") shown.password = "***";
  return shown.href.replace(/\/$/, "");
}
