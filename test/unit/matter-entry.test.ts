import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * matter.js (about 145 MB installed) stays out of what does not ask for it:
 * esbuild's own module graph of each entry, following only static imports
 * (what loads at start-up), reaches neither @matter/* nor the bridge.
 */
async function staticGraph(entry: string): Promise<Set<string>> {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, platform: "node", format: "esm", packages: "external", logLevel: "silent" });
  const meta: Metafile = result.metafile;
  const reached = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const imp of meta.inputs[file]?.imports ?? []) if (imp.kind === "import-statement") queue.push(imp.path);
  }
  return reached;
}

describe("matter.js only when asked", () => {
  // The console page too: it draws the QR code from the modules the server computed, with nothing of matter.js.
  for (const entry of ["sdk/desk/node/cli/main.ts", "sdk/cloud/index.ts", "sdk/index.ts", "sdk/desk/node/index.ts", "sdk/desk/console/page/main.ts"]) {
    it(`${entry} loads neither matter.js nor the bridge at start-up`, async () => {
      const graph = [...(await staticGraph(entry))];
      expect(graph.length).toBeGreaterThan(1);
      expect(graph.filter((f) => f.startsWith("@matter/") || f.startsWith("sdk/matter/node/"))).toEqual([]);
    });
  }

  it("the CLI reaches the bridge only through a dynamic import (the check above can see one)", async () => {
    const result = await build({ entryPoints: ["sdk/desk/node/cli/main.ts"], bundle: true, write: false, metafile: true, platform: "node", format: "esm", packages: "external", logLevel: "silent" });
    const dynamic = result.metafile.inputs["sdk/desk/node/cli/main.ts"]?.imports.filter((i) => i.kind === "dynamic-import").map((i) => i.path);
    expect(dynamic).toContain("sdk/matter/node/session.ts");
    const bridge = [...(await staticGraph("sdk/matter/node/index.ts"))];
    expect(bridge).toContain("@matter/main");
  });
});
