import { transform, type Message } from "esbuild";

/** What the pass did: the minified module, and how many top-level `var`s it declared `const` or had to keep. */
export interface ConstPass {
  code: string;
  converted: number;
  kept: number;
}

const ASSIGNED = /^(?:Cannot assign to|This assignment will throw because|The symbol) "([\w$]+)"/;

/**
 * A bundle's top-level `var`s declared `const` again where nothing assigns them, then minified.
 * esbuild writes a bundle's top-level `const`, `let` and `class` as `var` (evanw/esbuild#623), so
 * Moddable's XS linker cannot tell a preloaded module's constants from its variables: each one a
 * closure captures costs an alias slot in RAM ("no const"). The proof that a binding is never
 * assigned is esbuild's own scope analysis: every candidate is made `const`, and the minifier's
 * "Cannot assign to X because it is a constant" (and "This assignment will throw", "already
 * declared") names each one that must stay `var`; those go back and it runs again.
 *
 * `unminified` is esbuild's unminified ES module output, where each top-level statement starts a
 * line. A line inside a multi-line template literal could look like one too, so when the bundle
 * has any (its minified form keeps a newline), nothing is changed.
 */
export async function constTopLevel(unminified: string): Promise<ConstPass> {
  const minify = async (code: string): Promise<{ code: string; warnings: Message[] }> => transform(code, { format: "esm", target: "es2022", minify: true, logLevel: "silent", logLimit: 0 });
  const plain = await minify(unminified);
  const candidates = new Set([...unminified.matchAll(/^var ([\w$]+) = /gm)].map((m) => m[1] as string));
  if (plain.code.trimEnd().includes("\n") || candidates.size === 0) return { code: plain.code, converted: 0, kept: candidates.size };
  const kept = new Set<string>();
  for (;;) {
    const code = unminified.replace(/^var ([\w$]+) = /gm, (line, name: string) => (kept.has(name) ? line : `const ${name} = `));
    let messages: Message[];
    try {
      const out = await minify(code);
      messages = out.warnings.filter((w) => ASSIGNED.test(w.text));
      if (messages.length === 0) return { code: out.code, converted: candidates.size - kept.size, kept: kept.size };
    } catch (error) {
      messages = (error as { errors?: Message[] }).errors ?? [];
    }
    const names = messages.map((m) => ASSIGNED.exec(m.text)?.[1]);
    const fresh = names.filter((n): n is string => n !== undefined && candidates.has(n) && !kept.has(n));
    // Anything else wrong is not this pass's to fix: the bundle goes out as esbuild wrote it.
    if (fresh.length === 0 || names.length !== fresh.length) return { code: plain.code, converted: 0, kept: candidates.size };
    for (const name of fresh) kept.add(name);
  }
}
