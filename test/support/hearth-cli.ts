import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built CLI, as `npm test` builds it. */
export const cli = fileURLToPath(new URL("../../dist/sdk/desk/node/cli/main.js", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/**
 * Runs the CLI as a user would (a child process); with `stopAfterMs`, Ctrl-C
 * then, or as soon as it prints `stopWhen` (a loaded machine is slow to start).
 */
export function hearth(args: string[], stopAfterMs?: number, stopWhen?: RegExp, cwd?: string): Promise<CliRun> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: npm test builds it first (npm run build)`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) });
    let stdout = "";
    let stderr = "";
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      child.kill("SIGINT");
    };
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stopWhen?.test(stdout) === true) stop();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = stopAfterMs === undefined ? undefined : setTimeout(stop, stopAfterMs);
    child.on("close", (code) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A stack frame in what the CLI printed ("    at fn (file:1:2)"): a user's mistake must never show one. */
export const STACK_FRAME = /\n\s+at .*[(:]\d+/;
