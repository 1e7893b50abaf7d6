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

/**
 * The bridge of `hearth sim ... --matter`: on the host's network (mDNS and
 * UDP 5540), for the session's appliances; prints the pairing codes and the
 * QR code a phone's Matter controller scans.
 */
export function sessionMatter(o: SessionMatterOptions): (cloud: Cloud, print: (line: string) => void) => Promise<() => Promise<void>> {
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
    return () => bridge.close();
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

