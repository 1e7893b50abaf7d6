import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Which top-level folders each folder may import from (DESIGN.md: imports point down). */
const allowed: Record<string, readonly string[]> = {
  hal: ["hal"],
  os: ["os", "hal"],
  sdk: ["sdk", "os", "hal"],
  boards: ["boards", "hal"],
  examples: ["examples", "sdk", "boards"],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

describe("layering", () => {
  for (const [layer, may] of Object.entries(allowed)) {
    it(`${layer}/ imports only from ${may.join(", ")}`, () => {
      const wrong: string[] = [];
      for (const file of sources(join(root, layer))) {
        for (const spec of imports(file)) {
          if (!spec.startsWith(".")) continue;
          const target = relative(root, join(file, "..", spec)).split(sep)[0] as string;
          if (!may.includes(target)) wrong.push(`${relative(root, file)} -> ${spec}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it("runtime-neutral files use no node: module and no Node global", () => {
    const wrong: string[] = [];
    for (const layer of Object.keys(allowed)) {
      for (const file of sources(join(root, layer))) {
        const rel = relative(root, file);
        if (rel.split(sep).includes("node") || rel.startsWith(`sdk${sep}cloud`)) continue;
        const text = readFileSync(file, "utf8");
        for (const spec of imports(file)) if (spec.startsWith("node:") || spec === "mqtt" || spec === "aedes") wrong.push(`${rel}: ${spec}`);
        if (/\b(Buffer|process|setImmediate|setTimeout|setInterval|require)\b\s*[.(]/.test(text)) wrong.push(`${rel}: uses a Node global`);
        // All randomness and time come from the kernel (seeded generator, clock port), so runs replay.
        if (/\bMath\.random\(|\bDate\.now\(|\bperformance\.now\(/.test(text)) wrong.push(`${rel}: uses host randomness or time`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
