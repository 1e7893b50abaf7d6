import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The built CLI, from the sources (vitest, after npm run build) or from dist/ itself (benchmarks).
const built = import.meta.url.includes("/dist/") ? "../../" : "../../dist/";
const cli = fileURLToPath(new URL(`${built}sdk/desk/node/cli/main.js`, import.meta.url));
/** The counter app as a built module, for `--apps` (the default app of spawnInstance). */
export const counterModule = fileURLToPath(new URL(`${built}test/support/counter-module.js`, import.meta.url));

/** A bearer token file for `hearth cloud serve --tokens`, and the token. */
export function tokenFile(): { path: string; token: string } {
  const token = `t-${process.pid}-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const path = join(tmpdir(), `hearth-tokens-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ clients: [{ name: "test", token }] }), { mode: 0o600 });
  return { path, token };
}

/** `hearth cloud serve` as a process (the built CLI), serving the counter model; resolves once its API listens. */
export async function spawnInstance(options: { broker: string; store: string; tokens: string; group: string; apps?: string }): Promise<{ process: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [cli, "cloud", "serve", "--broker", options.broker, "--store", options.store, "--tokens", options.tokens, "--group", options.group, "--http-port", "0", "--apps", options.apps ?? counterModule], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /API on (http:\/\/\S+)/.exec(output);
    if (m !== null) return { process: child, url: m[1] as string, output: () => output };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hearth cloud serve did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops it: SIGKILL (nothing flushed, no goodbye) or SIGTERM; resolves when it has exited. */
export function stopInstance(child: ChildProcess, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}
