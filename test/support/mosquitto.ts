import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";

/** The Mosquitto binary, when the machine has one (CI installs it). */
export function mosquittoBinary(): string | undefined {
  for (const path of ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]) if (existsSync(path)) return path;
  return undefined;
}

/** A Mosquitto of the test's own (so the test may kill and restart it), on a config file. */
export class OwnMosquitto {
  private process: ChildProcess | undefined;
  constructor(
    private readonly binary: string,
    private readonly conf: string,
    readonly port: number,
  ) {}

  /** The broker's process id while it runs (benchmarks read its memory from /proc). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    this.process = spawn(this.binary, ["-c", this.conf], { stdio: "ignore" });
    const deadline = Date.now() + 5000;
    while (!(await listening(this.port))) {
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill(): Promise<void> {
    const p = this.process;
    if (p === undefined || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGKILL");
    });
    this.process = undefined;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    import("node:net").then(({ createServer }) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as { port: number }).port;
        server.close(() => resolve(port));
      });
    });
  });
}
