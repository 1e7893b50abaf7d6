import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { constTopLevel } from "../../sdk/desk/node/tools/const-pass.js";

/** Two modules bundled as `hearth build` bundles them, unminified: their top-level `const`s come out as `var`. */
async function bundled(main: string, other = "export const shared = { n: 1 };"): Promise<string> {
  const files: Record<string, string> = { main, other };
  const out = await build({
    stdin: { contents: main, loader: "js", resolveDir: "/" },
    bundle: true, format: "esm", target: "es2022", write: false, logLevel: "silent",
    plugins: [{ name: "mem", setup: (b) => void (b.onResolve({ filter: /^\.\/other$/ }, () => ({ path: "other", namespace: "mem" })), b.onLoad({ filter: /.*/, namespace: "mem" }, (a) => ({ contents: files[a.path] ?? "", loader: "js" }))) }],
  });
  return out.outputFiles[0]?.text ?? "";
}

describe("the const pass (Moddable exports: top-level bindings never assigned go back to const)", () => {
  it("declares const what nothing assigns, and keeps var for each kind of assignment", async () => {
    const source = await bundled(`import { shared } from "./other";
      const table = { a: 1 }; let counter = 0; let plus = 0; let inc = 0; let pair = 0; let later = 1; let never = 2; class K {}
      export function f() { counter = 1; plus += 2; inc++; [pair] = [3]; ({ later } = { later: 4 }); return table.a + shared.n + never + new K() }`);
    expect(source).toMatch(/^var table = /m);
    const { code, converted, kept } = await constTopLevel(source);
    for (const name of ["counter", "plus", "inc", "pair", "later"]) expect(code, name).not.toMatch(new RegExp(`const [^;]*\\b${name}\\b`));
    expect(kept).toBe(5);
    expect(converted).toBe(4); // table, never, K, shared
    expect(code).toMatch(/^const /);
    const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as { f(): string };
    expect(module.f()).toBe("4[object Object]"); // 1 + 1 + 2, then the object: it still runs
  });

  it("changes nothing when a multi-line template literal could hold a line that looks like a declaration", async () => {
    const source = await bundled("const doc = `text\nvar x = 1;\n`; export const y = () => doc;");
    const { code, converted } = await constTopLevel(source);
    expect(converted).toBe(0);
    expect(code).toContain("var x = 1;");
    expect(code).not.toContain("const ");
  });
});
