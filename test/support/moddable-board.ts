import { build, type Plugin } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { archiveHead, blankFlash, FakeEsp32, partitionsOf, type FakeFlash } from "./fake-esp32.js";
import { endPreload, preloadPlugin } from "./moddable-preload.js";

interface Manifest {
  config: { hearth: Record<string, unknown> };
  preload: string[];
  resources?: Record<string, string[]>;
}

/** The binding main.js made at the latest boot, kept for tests that call it (hal/NATIVE.md's functions by name). */
export type NativeFunctions = Record<string, (...a: unknown[]) => unknown>;

let runs = 0;

/**
 * A Moddable export (`hearth build --target moddable`) on a fake ESP32, as the chip runs it: its
 * main.js, with the manifest's preloaded modules run as the XS linker runs them
 * (moddable-preload.ts), over the partitions its partitions.csv declares. The flash outlives a
 * restart: when the program restarts the chip (System.restart), the next `advance` boots it again,
 * and XS maps whatever archive its mod partition then holds (`mods`: the JavaScript each archive
 * was compiled from, by archiveHead).
 */
export class FakeDevBoard {
  readonly partitions: FakeFlash;
  readonly manifest: Manifest;
  /** The JavaScript (an image's bundle) each mod archive was compiled from, by the archive's head. */
  readonly mods = new Map<string, string>();
  esp!: FakeEsp32;
  native: NativeFunctions | undefined;
  boots = 0;
  /** Called at each boot with the new chip, before main.js runs (a test attaches its broker here). */
  onBoot: ((esp: FakeEsp32) => void) | undefined;
  private restartsSeen = 0;

  constructor(
    readonly out: string,
    flash?: FakeFlash,
  ) {
    this.manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
    this.partitions = flash ?? blankFlash(partitionsOf(readFileSync(join(out, "partitions.csv"), "utf8")));
  }

  /** A mod archive, and the image bundle it was compiled from: XS runs that while the mod partition holds the archive. */
  addMod(archive: Uint8Array, bundle: Uint8Array | string): void {
    this.mods.set(archiveHead(archive), typeof bundle === "string" ? bundle : new TextDecoder().decode(bundle));
  }

  /** Powers the chip on (or resets it): XS maps its mod partition, then main.js runs. */
  async boot(): Promise<FakeEsp32> {
    const run = runs++;
    const mods = new Map<string, Map<string, unknown>>();
    for (const [head, bundle] of this.mods) {
      if (archiveHead(this.partitions.get("xs") ?? new Uint8Array(0)) !== head) continue;
      const module = (await import(`data:text/javascript;base64,${Buffer.from(`${bundle}\n// boot ${run}`).toString("base64")}`)) as unknown;
      mods.set(head, new Map([["hearth-update", module]]));
    }
    const esp = new FakeEsp32(this.manifest.config.hearth, undefined, { partitions: this.partitions, mods });
    for (const name of this.resourceFiles()) esp.resources.set(name, new Uint8Array(readFileSync(join(this.out, name))));
    const g = globalThis as unknown as { __esp32: unknown; trace: (t: string) => void; __native?: unknown };
    g.__esp32 = esp.modules();
    g.trace = (t) => void esp.traces.push(t.trim());
    g.__native = undefined;
    const imports = ['import "preload:begin";', ...this.manifest.preload.map((m) => `import ${JSON.stringify(m)};`), 'import "preload:end";', 'import "./main.js";'];
    const bundled = await build({ stdin: { contents: imports.join("\n"), resolveDir: this.out, loader: "js" }, bundle: true, format: "esm", write: false, plugins: [this.project(), preloadPlugin(), FakeEsp32.plugin()], logLevel: "silent" });
    this.esp = esp;
    this.restartsSeen = 0;
    this.boots++;
    this.onBoot?.(esp);
    try {
      // A module runs once per URL: each boot's bundle is told apart by a comment (esbuild drops the entry's own).
      await import(`data:text/javascript;base64,${Buffer.from(`${bundled.outputFiles[0]?.text ?? ""}\n// boot ${run}\n`).toString("base64")}`);
    } finally {
      endPreload();
    }
    this.native = g.__native as NativeFunctions | undefined;
    return esp;
  }

  /** Runs the chip for `ms` in steps, awaiting `between` after each (a broker's deliveries); a restart boots it again. */
  async advance(ms: number, step = 100, between: () => Promise<void> = flush): Promise<void> {
    for (let left = ms; left > 0; left -= step) {
      this.esp.advance(Math.min(step, left));
      await between();
      if (this.esp.restarts > this.restartsSeen) await this.boot();
    }
  }

  /** The files the manifest's resources name (mcconfig keeps a resource's extension: "./hearth-ca" is hearth-ca.der). */
  private resourceFiles(): string[] {
    const bases = Object.values(this.manifest.resources ?? {}).flat().map((r) => r.replace(/^\.\//, ""));
    return readdirSync(this.out).filter((f) => bases.some((base) => f.startsWith(`${base}.`)));
  }

  /** The project's own modules (all but hearth-network, which the fake gives); hearth-native wrapped to keep the binding for the test. */
  private project(): Plugin {
    const out = this.out;
    return {
      name: "project",
      setup(b) {
        b.onResolve({ filter: /^hearth-native$/ }, (a) => (a.importer === "hearth-native-wrapper" ? { path: join(out, "hearth-native.js") } : { path: "hearth-native-wrapper", namespace: "project" }));
        b.onResolve({ filter: /^hearth-(image|boot|ed25519)$/ }, (a) => ({ path: join(out, `${a.path}.js`) }));
        b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: join(out, "main.js") }));
        b.onLoad({ filter: /^hearth-native-wrapper$/, namespace: "project" }, () => ({
          contents: `import { bind as real } from ${JSON.stringify(join(out, "hearth-native.js"))};\nexport * from ${JSON.stringify(join(out, "hearth-native.js"))};\nexport function bind(engine) { const native = real(engine); globalThis.__native = native; return native; }\n`,
          loader: "js",
          resolveDir: out,
        }));
      },
    };
  }
}

/** Lets promise jobs and the broker's deferred deliveries run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Carries a fake dev board's MQTT through a broker in memory, boot after boot: each client the
 * binding makes is the device's session there (connected while the broker is up, its publishes
 * routed, the broker's messages delivered to it, a drop closing it as a lost connection would).
 */
export function attachBroker(board: FakeDevBoard, broker: MemoryBroker, deviceId: string): void {
  const attach = (esp: FakeEsp32): void => {
    esp.onClient = (client) => {
      const transport = broker.transport(deviceId);
      let open = true;
      client.bridge = {
        publish: (topic, payload) => transport.publish(topic, payload),
        subscribe: (topic) => transport.subscribe(topic),
        close: () => {
          open = false;
          void transport.stop();
        },
      };
      transport.start({
        up: () => open && client.connack(),
        down: () => open && client.options.onClose?.(),
        message: (topic, payload) => open && client.deliver(topic, payload),
      });
    };
  };
  const previous = board.onBoot;
  board.onBoot = (esp) => {
    previous?.(esp);
    attach(esp);
  };
}
