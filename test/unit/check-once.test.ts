import { describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../os/index.js";
import { virtualTime } from "../support/virtual-time.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import type { ApplianceApp } from "../../sdk/desk/sim/index.js";
import type { ModelSpec } from "../../sdk/index.js";
import { app as aircon } from "../../examples/aircon/app.js";
import { airconModel } from "../../examples/aircon/model.js";

/**
 * A walk of one cloud set, counted from outside the code that does it: the
 * model's checks and the protocol's conversions are wrapped here, and every
 * call that crosses a module boundary is counted. Each value is checked once
 * and converted once per hop (cloud -> wire, wire -> device).
 */
const { calls, counted } = vi.hoisted(() => {
  const calls = { checkValues: 0, problemWith: 0, membersToWire: 0, membersFromWire: 0 };
  const counted =
    <A extends unknown[], R>(name: keyof typeof calls, f: (...a: A) => R) =>
    (...a: A): R => {
      calls[name]++;
      return f(...a);
    };
  return { calls, counted };
});
vi.mock("../../sdk/thing/validate.js", async (original) => {
  const m = await original<typeof import("../../sdk/thing/validate.js")>();
  return { ...m, checkValues: counted("checkValues", m.checkValues), problemWith: counted("problemWith", m.problemWith) };
});
vi.mock("../../sdk/protocol/members.js", async (original) => {
  const m = await original<typeof import("../../sdk/protocol/members.js")>();
  return { ...m, membersToWire: counted("membersToWire", m.membersToWire), membersFromWire: counted("membersFromWire", m.membersFromWire) };
});

describe("a cloud set, walked: one check and one conversion per hop", () => {
  it("set({ target: 24.5 }): checked at the cloud and at the device once each, converted to the wire once and back once", async () => {
    const clock = new VirtualClock();
    const broker = new MemoryBroker();
    const board = new HostEngineBoard({ ...(aircon as unknown as ApplianceApp<ModelSpec>), firmware: () => undefined }, { clock, seed: 1 });
    board.connect(() => broker.transport("ac-1"), "ac-1");
    const cloud = new Cloud(broker.transport("cloud"), [airconModel], () => 1_800_000_000_000 + clock.now());
    void cloud.start();
    const { run, settle } = virtualTime(clock);
    await run(5_000);
    for (const k of Object.keys(calls) as (keyof typeof calls)[]) calls[k] = 0;
    await settle(cloud.device("ac-1", airconModel).set({ target: 24.5 }));
    await run(1_000);
    expect(board.device.get("target")).toBe(24.5);
    // Two hops: the set (cloud -> device) and the report of the new target (device -> cloud).
    // The set: checkValues once at the cloud, membersToWire once; membersFromWire once at the device, checking the member once (problemWith).
    // The report: the device converts what it holds (checked as it came in) once; the cloud decodes and checks it once.
    expect(calls).toEqual({ checkValues: 1, membersToWire: 2, membersFromWire: 2, problemWith: 2 });
    await cloud.stop();
  });
});
