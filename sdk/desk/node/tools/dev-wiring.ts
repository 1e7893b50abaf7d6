import { build, type Plugin } from "esbuild";
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { firmwarePart, wiringProblems, type DevBoard, type DevWiring } from "../../../../boards/dev/index.js";

const NAMESPACE = "hearth-dev-wiring";

/** The appliance board a resolved `boards/<id>/wiring` module belongs to, or undefined. */
function applianceOf(path: string): string | undefined {
  const folder = dirname(path);
  // boards/dev/ holds the dev boards themselves, not an appliance board's parts.
  return basename(dirname(folder)) === "boards" && basename(folder) !== "dev" ? basename(folder) : undefined;
}

/**
 * Builds a firmware for a dev board: the firmware finds its parts by name in
 * its appliance board's wiring (`boards/<id>/wiring.ts`), and this plugin
 * gives it the dev board's wiring of the same parts instead (as a devicetree
 * overlay does), checked against the chip first. Every other field of the
 * appliance board (a thermistor's constants, say) stays as it is. `wired`
 * hears the wiring it used (the Moddable project takes its UARTs' pins).
 */
export function devWiring(board: DevBoard, wired: (wiring: DevWiring) => void): Plugin {
  return {
    name: NAMESPACE,
    setup(b) {
      b.onResolve({ filter: /(^|\/)wiring(\.js|\.ts)?$/ }, (args) => {
        if (args.namespace === NAMESPACE) return undefined;
        const ts = resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
        const path = existsSync(ts) ? ts : resolve(args.resolveDir, args.path);
        const appliance = applianceOf(path);
        if (appliance === undefined || !existsSync(path)) return undefined;
        return { path, namespace: NAMESPACE, pluginData: appliance };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => {
        const appliance = args.pluginData as string;
        const wiring = board.wirings.find((w) => w.appliance === appliance);
        if (wiring === undefined) return { errors: [{ text: `the ${board.name} has no wiring for the ${appliance} board's parts (boards/dev/${board.id}.ts)` }] };
        const real = await loadData(args.path);
        // Frozen as the board's own module freezes it (hal/frozen.ts).
        const contents: string[] = ['import { frozen } from "../../hal/frozen.js";'];
        for (const [name, value] of Object.entries(real)) {
          const isBoard = typeof value === "object" && value !== null && (value as { id?: unknown }).id === appliance;
          if (!isBoard) {
            contents.push(`export const ${name} = frozen(${JSON.stringify(value)});`);
            continue;
          }
          const parts = Object.keys((value as { parts: Record<string, unknown> }).parts);
          const problems = wiringProblems(board.chip, wiring, parts);
          if (problems.length > 0) return { errors: [{ text: `the ${board.chip.name} cannot be wired so:\n  ${problems.join("\n  ")}` }] };
          wired(wiring);
          // A part keeps what is the device's own (an I2C address), and takes its pins from the dev board.
          const own = (value as { parts: Record<string, object> }).parts;
          const mapped = Object.fromEntries(parts.map((part) => [part, { ...own[part], ...firmwarePart(wiring.parts[part] as never) }]));
          contents.push(`export const ${name} = frozen(${JSON.stringify({ ...(value as object), chip: board.chip.name, devBoard: board.id, parts: mapped })});`);
        }
        return { contents: contents.join("\n"), loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The appliance board's wiring module, evaluated: it is data (its README says so). */
async function loadData(path: string): Promise<Record<string, unknown>> {
  const out = await build({ entryPoints: [path], bundle: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
  const code = out.outputFiles[0]?.text ?? "";
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as Record<string, unknown>;
}

