import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** XS's own figures after a call (xsnap's meter): slots in use (garbage included until a collection) and computation. */
export interface XsMeter {
  currentHeapCount: number;
  compute: number;
}

/** The worker stopped: its exit status as xsnap defines it (api.js ExitCode). */
export class XsExit extends Error {
  override readonly name = "XsExit";
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** XS cannot run here: the optional dependency was not built. */
export class XsUnavailable extends Error {
  override readonly name = "XsUnavailable";
}

const EXIT_CAUSES: Record<number, string> = {
  2: "I/O error",
  11: "out of memory",
  12: "stack overflow",
  15: "uncaught exception",
  17: "too much computation",
};

const REBUILD = "on Debian: apt-get install gcc make, then npm rebuild @agoric/xsnap && npm run prepare";

/**
 * The XS worker `npm install` built: xsnap's worker (Moddable's XS sources, @agoric/xsnap) with its stack
 * taken from HEARTH_XS_STACK_SLOTS (sdk/desk/node/tools/xs-install.mjs), or why there is none.
 */
export function xsnapBinary(): string {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve("@agoric/xsnap/package.json"));
  } catch {
    throw new XsUnavailable(`the XS engine is not installed: @agoric/xsnap is an optional dependency; \`npm install\` builds it with make and a C compiler (${REBUILD})`);
  }
  const bin = join(root, "xsnap-native/xsnap/build/bin/lin/release/xsnap-worker-hearth");
  if (process.platform !== "linux" || !existsSync(bin)) {
    throw new XsUnavailable(`the XS engine is not built (${bin} is missing): its install needs make and a C compiler, on Linux (${REBUILD})`);
  }
  return bin;
}

const COMMA = 0x2c;
const COLON = 0x3a;
const encoder = new TextEncoder();

/**
 * One XS machine in an xsnap worker process, driven synchronously: the host
 * blocks while XS runs, as a chip's single core does, and answers XS's
 * `issueCommand` calls (the native binding) as they come. The two pipes are
 * FIFOs the host reads and writes with blocking calls, so a call into the
 * image returns before the host goes on, with no event loop turn between
 * (xsnap's own host is asynchronous). Messages are netstrings (xsnap's
 * protocol): `e` evaluate, `?` command, answered `.` (with the meter), `!`
 * (an uncaught exception) or, from XS, `?` (a query the host answers `/`).
 * A crank that computes more than `computeLimit` stops the worker (xsnap's
 * metering): a hang ends deterministically, as a watchdog would end it.
 */
export class XsWorker {
  private readonly dir: string;
  private readonly child: ChildProcess;
  private readonly toXs: number;
  private readonly fromXs: number;
  private pending = Buffer.alloc(0);
  private stopped = false;

  /** `stackSlots`: the machine's stack, in slots (a Moddable manifest's `creation.stack`); past it, XS stops with a stack overflow. */
  constructor(o: { computeLimit: number; stackSlots: number; name?: string }) {
    const bin = xsnapBinary();
    this.dir = mkdtempSync(join(tmpdir(), "hearth-xs-"));
    const [to, from, status] = ["to-xs", "from-xs", "status"].map((f) => join(this.dir, f)) as [string, string, string];
    execFileSync("mkfifo", ["-m", "600", to, from]);
    // The shell opens the FIFOs as the worker's fds 3 and 4, in the order this process opens their other ends,
    // and keeps the worker's exit status (xsnap's cause of death) once it ends.
    this.child = spawn("/bin/sh", ["-c", '"$0" "$1" -l "$2" 3<"$3" 4>"$4"; echo $? > "$5"', bin, o.name ?? "hearth", String(o.computeLimit), to, from, status], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, HEARTH_XS_STACK_SLOTS: String(o.stackSlots) },
      detached: true,
    });
    this.child.stderr?.resume();
    this.child.unref();
    this.toXs = openSync(to, "w");
    this.fromXs = openSync(from, "r");
  }

  get alive(): boolean {
    return !this.stopped;
  }

  /** Evaluates a script; returns the meter. */
  evaluate(code: string, answer: (query: Uint8Array) => Uint8Array): XsMeter {
    return this.run("e", encoder.encode(code), answer).meter;
  }

  /** Calls the worker's `handleCommand(bytes)`; returns its ArrayBuffer result and the meter. */
  command(message: Uint8Array, answer: (query: Uint8Array) => Uint8Array): { reply: Uint8Array; meter: XsMeter } {
    return this.run("?", message, answer);
  }

  /** Writes a heap snapshot to `path` (XS collects garbage first: what it writes is live). */
  snapshot(path: string): void {
    this.run("w", encoder.encode(path), () => new Uint8Array(0));
  }

  /** Stops the worker at once (a reset, a panic, power loss): nothing more runs in it. */
  kill(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    this.close();
  }

  private close(): void {
    for (const fd of [this.toXs, this.fromXs]) {
      try {
        closeSync(fd);
      } catch {
        // Closed before.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(kind: string, body: Uint8Array, answer: (query: Uint8Array) => Uint8Array): { reply: Uint8Array; meter: XsMeter } {
    if (this.stopped) throw new XsExit(undefined, "the XS worker has stopped");
    this.send(kind, body);
    for (;;) {
      const message = this.receive();
      const tag = message[0];
      if (tag === 0x3f /* ? */) {
        const reply = answer(message.subarray(1));
        // The answer may have stopped the machine (a panic, a reset): XS gets nothing more.
        if (this.stopped) throw new XsExit(undefined, "stopped during a native call");
        this.send("/", reply);
        continue;
      }
      if (tag === 0x2e /* . */) {
        const separator = message.indexOf(1);
        const meter = separator < 0 ? { currentHeapCount: 0, compute: 0 } : (JSON.parse(Buffer.from(message.subarray(1, separator)).toString()) as XsMeter);
        return { reply: message.subarray(separator < 0 ? 1 : separator + 1), meter };
      }
      if (tag === 0x21 /* ! */) throw new XsExit(15, `uncaught ${Buffer.from(message.subarray(1)).toString()}`);
      this.kill();
      throw new XsExit(undefined, `xsnap protocol error: a message starting ${JSON.stringify(String.fromCharCode(tag ?? 0))}`);
    }
  }

  private send(kind: string, body: Uint8Array): void {
    const head = encoder.encode(`${body.length + 1}:${kind}`);
    const frame = Buffer.allocUnsafe(head.length + body.length + 1);
    frame.set(head, 0);
    frame.set(body, head.length);
    frame[frame.length - 1] = COMMA;
    let sent = 0;
    try {
      while (sent < frame.length) sent += writeSync(this.toXs, frame, sent);
    } catch {
      throw this.died();
    }
  }

  private receive(): Uint8Array {
    for (;;) {
      const colon = this.pending.indexOf(COLON);
      if (colon > 0) {
        const length = Number(this.pending.subarray(0, colon).toString());
        const end = colon + 1 + length;
        if (this.pending.length > end) {
          if (this.pending[end] !== COMMA) throw new XsExit(undefined, "xsnap protocol error: a netstring without its comma");
          const message = this.pending.subarray(colon + 1, end);
          this.pending = this.pending.subarray(end + 1);
          return message;
        }
      }
      const chunk = Buffer.allocUnsafe(Math.max(65536, this.pending.length));
      const n = readSync(this.fromXs, chunk, 0, chunk.length, null);
      if (n === 0) throw this.died();
      this.pending = this.pending.length === 0 ? chunk.subarray(0, n) : Buffer.concat([this.pending, chunk.subarray(0, n)]);
    }
  }

  /** The worker ended by itself: why, from its exit status. */
  private died(): XsExit {
    const statusFile = join(this.dir, "status");
    let code: number | undefined;
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 200 && code === undefined; i++) {
      if (existsSync(statusFile)) {
        const text = readFileSync(statusFile, "utf8").trim();
        if (text !== "") code = Number(text);
      }
      if (code === undefined) Atomics.wait(wait, 0, 0, 10);
    }
    this.stopped = true;
    this.close();
    return new XsExit(code, code === undefined ? "the XS worker stopped" : `the XS worker stopped: ${EXIT_CAUSES[code] ?? `exit status ${code}`}`);
  }
}
