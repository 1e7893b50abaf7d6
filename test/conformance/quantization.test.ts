import * as cborg from "cborg";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../os/index.js";
import { virtualTime } from "../support/virtual-time.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { topics } from "../../sdk/protocol/transport.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import type { ApplianceApp } from "../../sdk/desk/sim/index.js";
import type { FieldSpec, ModelSpec } from "../../sdk/index.js";
import { app as aircon } from "../../examples/aircon/app.js";
import { app as fridge } from "../../examples/fridge/app.js";
import { app as vacuum } from "../../examples/vacuum/app.js";
import { app as washer } from "../../examples/washer/app.js";

/**
 * The model owns quantization (PROTOCOL.md section 3): firmware hands `update`
 * any measurement in range, the model snaps it to its step, and every report
 * the device makes is one the cloud accepts, with each integer-typed member
 * (int, enum, stepped number) read by an independent decoder (cborg's
 * tokenizer) as a CBOR integer: never a float, never minus zero.
 */
const APPS = [aircon, fridge, vacuum, washer] as unknown as ApplianceApp<ModelSpec>[];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** The appliance's model on a board with no firmware of its own (the test is the firmware), its link to a cloud on one broker. */
async function rig(app: ApplianceApp<ModelSpec>) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const board = new HostEngineBoard({ ...app, firmware: () => undefined }, { clock, seed: 1 });
  board.connect(() => broker.transport("dev1"), "dev1");
  const cloud = new Cloud(broker.transport("cloud"), [app.model], () => 1_800_000_000_000 + clock.now());
  const seen = cloud.device("dev1", app.model);
  const refusals: string[] = [];
  cloud.onRefusal((_, __, error) => refusals.push(error.message));
  void cloud.start();
  const frames: Uint8Array[] = [];
  const raw = broker.transport("watcher");
  raw.start({ up: () => raw.subscribe(topics.up("dev1")), down: () => undefined, message: (_, payload) => frames.push(payload) });
  cleanups.push(() => cloud.stop());
  const { run } = virtualTime(clock);
  await run(5_000);
  return { board, seen, refusals, frames, run };
}

const integerTyped = (spec: FieldSpec): boolean => spec.type === "int" || spec.type === "enum" || (spec.type === "number" && spec.step !== undefined);

/** For each report frame: the CBOR major type of every member's value, by member id, from cborg's own tokenizer. */
function memberTypes(frame: Uint8Array): Map<number, string> | undefined {
  const tokenizer = new cborg.Tokenizer(frame, {});
  const tokens: cborg.Token[] = [];
  while (!tokenizer.done()) tokens.push(tokenizer.next());
  // [type, seq, {id: value, ...}]: array(3), uint type, uint seq, map(n), then key/value pairs of scalars.
  if (tokens[1]?.value !== 1 || tokens[3]?.type.name !== "map") return undefined;
  const out = new Map<number, string>();
  for (let i = 4; i + 1 < tokens.length; i += 2) out.set(tokens[i]?.value as number, (tokens[i + 1] as cborg.Token).type.name);
  return out;
}

/** Values a measurement can take: both signs, values that round to zero, the range's ends, anything between. */
function measurement(spec: FieldSpec & { type: "int" | "number" }): fc.Arbitrary<number> {
  const min = spec.min ?? -1e6;
  const max = spec.max ?? 1e6;
  const step = spec.type === "number" ? (spec.step ?? 0.01) : 1;
  const inRange = spec.type === "int" ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
  const choices = [fc.constantFrom(min, max), inRange];
  // Zero and what rounds to it, where the range holds them (a filter that never passes would make fast-check spin).
  if (min <= -0.49 * step && max >= 0.49 * step) {
    choices.push(fc.constant(-0));
    if (spec.type === "number") choices.push(fc.double({ min: -0.49 * step, max: 0.49 * step, noNaN: true }));
  }
  return fc.oneof(...choices);
}

describe("the model snaps measurements to its step; every report is accepted, integers as integers", () => {
  it("a coil that rounds to minus zero (-0.04 °C by hand to a step of 0.1) goes on the wire as the integer 0, and the cloud takes the whole report", async () => {
    const { board, seen, refusals, frames, run } = await rig(aircon as unknown as ApplianceApp<ModelSpec>);
    board.device.update({ coil: Math.round(-0.04 * 10) / 10, room: 21.5 });
    await run(3_000);
    expect(refusals).toEqual([]);
    expect(seen.reported["room"]).toBe(21.5);
    expect(Object.is(seen.reported["coil"], 0)).toBe(true);
    expect(frames.map(memberTypes).filter((m) => m?.has(7)).at(-1)?.get(7)).toBe("uint");
  });

  it("the coil at -0.04 °C (step 0.1) goes on the wire as the integer 0 and the cloud takes the report", async () => {
    const { board, seen, refusals, frames, run } = await rig(aircon as unknown as ApplianceApp<ModelSpec>);
    board.device.update({ coil: -0.04, room: 21.37 });
    await run(3_000);
    expect(refusals).toEqual([]);
    expect(seen.reported["coil"]).toBe(0);
    expect(Object.is(seen.reported["coil"], -0)).toBe(false);
    expect(seen.reported["room"]).toBe(21.4);
    const types = frames.map(memberTypes).filter((m) => m?.has(7)).at(-1);
    expect(types?.get(7)).toBe("uint");
  });

  for (const app of APPS) {
    it(`${app.name}: any in-range measurement of any numeric property`, async () => {
      const { board, seen, refusals, frames, run } = await rig(app);
      const props = Object.entries(app.model.spec.properties).filter(([, s]) => s.type === "int" || s.type === "number") as [string, FieldSpec & { type: "int" | "number"; id: number }][];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...props).chain(([name, spec]) => fc.tuple(fc.constant(name), fc.constant(spec), measurement(spec))), async ([name, spec, value]) => {
          const before = frames.length;
          board.device.update({ [name]: value });
          await run(2_000);
          expect(refusals).toEqual([]);
          const held = board.device.get(name) as number;
          expect(Object.is(held, -0)).toBe(false);
          expect(Math.abs(held - value)).toBeLessThanOrEqual(spec.type === "number" && spec.step !== undefined ? spec.step / 2 + 1e-9 : 0);
          expect(seen.reported[name]).toBe(held);
          for (const frame of frames.slice(before)) {
            for (const [id, type] of memberTypes(frame) ?? []) {
              const member = Object.values(app.model.spec.properties).find((s) => s.id === id) as FieldSpec;
              if (integerTyped(member)) expect(["uint", "negint"], `member ${id} travelled as ${type}`).toContain(type);
            }
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});
