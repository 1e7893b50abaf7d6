import "./configure.js";
import { homedir } from "node:os";
import { join } from "node:path";
import { QrCode } from "@matter/main/types";
import type { Cloud } from "../../cloud/cloud.js";
import type { MatterBinding } from "../mapping.js";
import { MatterBridge } from "./bridge.js";

export interface SessionMatterOptions {
  /** The error a user gets for a problem of theirs (the CLI's UsageError: one line, exit code 2). */
  userError?: (message: string) => Error;
  /** The mappings of the session's appliances (the examples' matter.ts). */
  bindings: readonly MatterBinding[];
  /** Fabrics and pairing code: default ~/.hearth/matter-bridge, so a restarted session stays commissioned. */
  storageDir?: string;
  /** UDP port (default 5540). */
  port?: number;
}

/** What a session's console shows of the bridge: the pairing codes, the QR code's modules, whether a controller has commissioned it. */
export interface PairingShown {
  manualPairingCode: string;
  qrPairingCode: string;
  /** The QR code, row by row: "1" a dark module, "0" a light one; no quiet zone (leave 4 modules of light around it). */
  qr: string[];
  commissioned: boolean;
  port: number;
}

/**
 * The modules of the QR code of a Matter QR payload, as matter.js makes it for the terminal (its own
 * encoder, the one `QrCode.encode` prints): read back from that rendering, two rows a character (█
 * both light, ▀ the upper light, ▄ the lower light, a braille blank both dark), inside its one-module
 * light border.
 */
export function qrModules(payload: string): string[] {
  const lines = QrCode.encode(payload).split("\n").filter((line) => line !== "");
  const body = lines.slice(1, -1).map((line) => [...line].slice(1, -1));
  const size = body[0]?.length ?? 0;
  const rows: string[] = [];
  for (const line of body) {
    rows.push(line.map((c) => (c === "\u2588" || c === "\u2580" ? "0" : "1")).join(""));
    rows.push(line.map((c) => (c === "\u2588" || c === "\u2584" ? "0" : "1")).join(""));
  }
  return rows.slice(0, size);
}

/**
 * The bridge of `hearth sim ... --matter`: on the host's network (mDNS and
 * UDP 5540), for the session's appliances; prints the pairing codes and the
 * QR code a phone's Matter controller scans, and hands them to the console.
 */
export function sessionMatter(o: SessionMatterOptions): (cloud: Cloud, print: (line: string) => void) => Promise<{ stop: () => Promise<void>; pairing: () => PairingShown }> {
  return async (cloud, print) => {
    const storageDir = o.storageDir ?? join(homedir(), ".hearth", "matter-bridge");
    let bridge: MatterBridge;
    try {
      bridge = await MatterBridge.start({ cloud, bindings: o.bindings, storageDir, ...(o.port === undefined ? {} : { port: o.port }) });
    } catch (error) {
      // Most often: another bridge holds the storage (its lock) or the UDP port.
      const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw (o.userError ?? ((m: string) => new Error(m)))(`--matter: the bridge did not start (state in ${storageDir}, UDP ${o.port ?? 5540}): ${why}`);
    }
    const { manualPairingCode, qrPairingCode } = bridge.pairing;
    print(`matter  bridge for ${bridge.devices().join(", ")} on UDP ${o.port ?? 5540}, state in ${storageDir}${bridge.commissioned ? " (commissioned already)" : ""}`);
    print(`matter  manual pairing code ${manualPairingCode}  QR payload ${qrPairingCode}`);
    if (!bridge.commissioned) for (const line of QrCode.encode(qrPairingCode).split("\n")) print(`        ${line}`);
    const qr = qrModules(qrPairingCode);
    return { stop: () => bridge.close(), pairing: () => ({ manualPairingCode, qrPairingCode, qr, commissioned: bridge.commissioned, port: o.port ?? 5540 }) };
  };
}

/** A session's appliance that has no Matter mapping to bridge it by. */
export class NoMatterMapping extends Error {
  override readonly name = "NoMatterMapping";
}

/**
 * The bridge hook for the named apps: each an example (its matter.ts beside
 * its model) or a module path whose module exports `matter` (a MatterBinding).
 */
export async function sessionMatterFor(
  apps: readonly string[],
  { importModule, ...o }: Omit<SessionMatterOptions, "bindings"> & {
    /** How a module path is imported (the CLI's: a TypeScript app bundled first); default import(). */
    importModule?: (path: string) => Promise<Record<string, unknown>>;
  } = {},
): Promise<ReturnType<typeof sessionMatter>> {
  const bindings = new Map<string, MatterBinding>();
  for (const name of apps) {
    const example = /^[a-z]+$/.test(name);
    const url = example ? new URL(`../../../examples/${name}/matter.js`, import.meta.url).href : new URL(name, `file://${process.cwd()}/`).href;
    let binding: MatterBinding | undefined;
    let failed = "";
    try {
      const module = example || importModule === undefined ? ((await import(url)) as Record<string, unknown>) : await importModule(name);
      binding = (module["matter"] ?? Object.values(module).find((v) => typeof v === "object" && v !== null && "mapping" in v && "model" in v)) as MatterBinding | undefined;
    } catch (error) {
      failed = `: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
    }
    if (binding === undefined) {
      const message = `--matter: ${name} has no Matter mapping (${example ? `examples/${name}/matter.ts` : "its module exports no matter"})${failed}`;
      throw o.userError?.(message) ?? new NoMatterMapping(message);
    }
    bindings.set(binding.model.id, binding);
  }
  return sessionMatter({ ...o, bindings: [...bindings.values()] });
}

