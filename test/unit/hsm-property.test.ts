import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateMachine, type StateDef } from "../../os/hsm.js";

/**
 * 10^5 random transitions on random state trees (depth up to 6), checked
 * against a small, set-based reference model of which states exit and enter.
 */

interface Tree {
  parent: (number | undefined)[];
  initial: (number | undefined)[];
}

const tree: fc.Arbitrary<Tree> = fc
  .array(fc.tuple(fc.nat(), fc.boolean(), fc.nat()), { minLength: 1, maxLength: 24 })
  .map((specs) => {
    const parent: (number | undefined)[] = [];
    const depth: number[] = [];
    specs.forEach(([pick, top], i) => {
      const candidates = [...Array(i).keys()].filter((j) => (depth[j] as number) < 5);
      const p = top || candidates.length === 0 ? undefined : candidates[pick % candidates.length];
      parent.push(p);
      depth.push(p === undefined ? 0 : (depth[p] as number) + 1);
    });
    const initial = parent.map((_, i) => {
      const children = parent.flatMap((p, j) => (p === i ? [j] : []));
      const choice = (specs[i] as [number, boolean, number])[2];
      return children.length === 0 || choice % 3 === 0 ? undefined : children[choice % children.length];
    });
    return { parent, initial };
  });

function up(t: Tree, s: number): number[] {
  const out: number[] = [];
  for (let x: number | undefined = s; x !== undefined; x = t.parent[x]) out.push(x);
  return out; // self first, root last
}

/** What the rules say must exit and enter, computed from sets rather than by walking. */
function reference(t: Tree, leaf: number, source: number, target: number): { log: string[]; leaf: number } {
  const ofSource = up(t, source);
  const ofTarget = up(t, target);
  let keep: number[];
  if (target === source) keep = ofSource.slice(1);
  else if (ofTarget.includes(source)) keep = ofSource;
  else if (ofSource.includes(target)) keep = ofTarget.slice(1);
  else keep = ofSource.filter((s) => ofTarget.includes(s));
  const exits = up(t, leaf).filter((s) => !keep.includes(s));
  const entries = ofTarget.filter((s) => !keep.includes(s)).reverse();
  let last = target;
  for (let next = t.initial[target]; next !== undefined; next = t.initial[next]) {
    entries.push(next);
    last = next;
  }
  return { log: [...exits.map((s) => `exit ${s}`), ...entries.map((s) => `entry ${s}`)], leaf: last };
}

describe("state machine against a reference model", () => {
  it("10^5 random transitions on random trees: the same exits and entries, in the same order", () => {
    fc.assert(
      fc.property(tree, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1000, maxLength: 1000 }), (t, steps) => {
        const n = t.parent.length;
        const log: string[] = [];
        let source = -1;
        let target = -1;
        const defs: Record<string, StateDef<string, null>> = {};
        for (let i = 0; i < n; i++) {
          const p = t.parent[i];
          const init = t.initial[i];
          defs[String(i)] = {
            ...(p === undefined ? {} : { parent: String(p) }),
            ...(init === undefined ? {} : { initial: String(init) }),
            entry: () => log.push(`entry ${i}`),
            exit: () => log.push(`exit ${i}`),
            run: (_, api) => (i === source ? api.transition(String(target)) : undefined),
          };
        }
        const sm = new StateMachine<string, null>(defs);
        sm.start("0");
        let leaf = Number(sm.current);
        for (const [pickSource, pickTarget] of steps) {
          const active = up(t, leaf);
          source = active[pickSource % active.length] as number;
          target = pickTarget % n;
          log.length = 0;
          sm.dispatch(null);
          const expected = reference(t, leaf, source, target);
          expect(log).toEqual(expected.log);
          leaf = expected.leaf;
          expect(sm.current).toBe(String(leaf));
        }
      }),
      { numRuns: 100 },
    );
  });
});
