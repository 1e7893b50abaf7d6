import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { fridge } from "../../boards/fridge/index.js";
import { vacuum } from "../../boards/vacuum/index.js";
import { washer } from "../../boards/washer/index.js";
import { H1 } from "../../hal/h1.js";
import { frozen } from "../../hal/frozen.js";
import { MessageType } from "../../sdk/protocol/envelope.js";
import { airconDefaults, airconModel } from "../../examples/aircon/model.js";
import { washerDefaults, washerModel } from "../../examples/washer/model.js";

/** Every object reachable through own data properties, with the path to it (functions, views, Maps and Sets not entered). */
function objects(value: unknown, path = "", seen = new Set<object>()): [string, object][] {
  if (typeof value !== "object" || value === null || seen.has(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Map || value instanceof Set) return [];
  seen.add(value);
  const own: [string, object][] = [[path || "(root)", value]];
  for (const key of Reflect.ownKeys(value)) {
    const d = Object.getOwnPropertyDescriptor(value, key);
    if (d !== undefined && "value" in d) own.push(...objects(d.value, `${path}.${String(key)}`, seen));
  }
  return own;
}
const notFrozen = (value: unknown): string[] => objects(value).filter(([, o]) => !Object.isFrozen(o)).map(([p]) => p);

describe("frozen: the tables an image defines as it loads stay in flash on Moddable (hal/frozen.ts)", () => {
  it("freezes every object and array inside, whatever the shape, and leaves typed arrays, Maps and functions usable", () => {
    const json = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: "small" }, fc.integer(), fc.string(), fc.array(tie("node")), fc.dictionary(fc.string(), tie("node"))) }));
    fc.assert(
      fc.property(json.node, (value) => {
        expect(notFrozen(frozen(value))).toEqual([]);
      }),
    );
    const bytes = new Uint8Array(2);
    const map = new Map<number, number>();
    const table = frozen({ bytes, map, f: () => 1 });
    bytes[0] = 7;
    map.set(1, 2);
    expect([table.bytes[0], table.map.get(1), Object.isFrozen(table.f)]).toEqual([7, 2, false]);
  });

  it("the chip, the four boards, the protocol's message types and the examples' models and defaults are frozen all the way down", () => {
    const tables = { H1, airconIndoor, washer, fridge, vacuum, MessageType, airconModel, airconDefaults, washerModel, washerDefaults };
    expect(Object.fromEntries(Object.entries(tables).map(([name, t]) => [name, notFrozen(t)]))).toEqual(Object.fromEntries(Object.keys(tables).map((name) => [name, []])));
  });
});
