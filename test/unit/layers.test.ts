import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const checker = join(root, "test/layers/check.mjs");

function layers(tree: string): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, [checker, tree], { encoding: "utf8", timeout: 60_000 });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe("layers (npm run layers)", () => {
  it("the tree keeps every rule, and the folder graph is printed", () => {
    const { code, out } = layers(root);
    expect(out).toContain("sdk/protocol -> ");
    expect(out).toMatch(/keep every rule/);
    expect(code).toBe(0);
  });
});
