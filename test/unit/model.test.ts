import { describe, expect, expectTypeOf, it } from "vitest";
import { airconDefaults, airconModel, type AirconModel } from "../../examples/aircon/model.js";
import { Device, defineModel, HearthError, ModelError, type Props, type Writable } from "../../sdk/index.js";
import { problemWith } from "../../sdk/thing/validate.js";

describe("thing model types", () => {
  it("flow from the definition into property values", () => {
    type S = Props<AirconModel>;
    expectTypeOf<S["power"]>().toEqualTypeOf<boolean>();
    expectTypeOf<S["mode"]>().toEqualTypeOf<"cool" | "heat" | "fan" | "dry" | "auto">();
    expectTypeOf<S["fan"]>().toEqualTypeOf<"auto" | 1 | 2 | 3>();
    expectTypeOf<S["target"]>().toEqualTypeOf<number>();
    expectTypeOf<keyof Writable<AirconModel>>().toEqualTypeOf<"power" | "mode" | "target" | "fan" | "swing">();
  });

  it("reject unknown properties, wrong types, read-only writes and bad params at compile time", () => {
    const device = new Device(airconModel, airconDefaults);
    // Each line below must fail to compile; `npm test` type-checks this file first,
    // and an unused @ts-expect-error is itself an error, so each line is a real test.
    // @ts-expect-error unknown property
    expect(() => device.set("humidity", 40)).toThrow(HearthError);
    // @ts-expect-error wrong value type
    expect(() => device.set("target", "22")).toThrow(HearthError);
    // @ts-expect-error not one of the enum's values
    expect(() => device.set("mode", "turbo")).toThrow(HearthError);
    // @ts-expect-error room is read-only: firmware may set it, the cloud may not write it
    device.onWrite("room", () => undefined);
    // @ts-expect-error unknown action
    device.handle("defrost", () => ({}));
    // @ts-expect-error a result that lacks coilMinC
    device.handle("selfClean", () => ({ minutes: 1 }));
    // @ts-expect-error an event field of the wrong type
    expect(() => device.emit("targetNotReached", { room: "hot", target: 24, minutes: 30 })).toThrow(HearthError);
    expectTypeOf(device.get("fan")).toEqualTypeOf<"auto" | 1 | 2 | 3>();
  });
});

describe("runtime validation", () => {
  const target = airconModel.spec.properties.target;
  it.each([
    [22.5, undefined],
    [16, undefined],
    [30, undefined],
    [15.5, "out-of-range"],
    [30.5, "out-of-range"],
    [22.3, "out-of-range"],
    ["22", "wrong-type"],
    [Number.NaN, "wrong-type"],
    [Infinity, "wrong-type"],
    [null, "wrong-type"],
  ])("target %s -> %s", (value, code) => {
    expect(problemWith(target, value)?.code).toBe(code);
  });

  it("names the property at fault and changes nothing when one value of several is bad", () => {
    const device = new Device(airconModel, airconDefaults);
    const before = device.snapshot();
    let error: unknown;
    try {
      device.remoteWrite({ power: true, target: 99 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HearthError);
    expect((error as HearthError).code).toBe("out-of-range");
    expect((error as HearthError).member).toBe("target");
    expect((error as HearthError).message).toMatch(/target.*99.*maximum 30/);
    expect(device.snapshot()).toEqual(before);
  });

  it("refuses a cloud write to a read-only property", () => {
    const device = new Device(airconModel, airconDefaults);
    expect(() => device.remoteWrite({ room: 20 })).toThrow(/room is read-only/);
    expect(device.get("room")).toBe(airconDefaults.room);
  });

  it("checks a model's definition once, with errors that name the member", () => {
    const base = { id: "t", version: 1, actions: {}, events: {} } as const;
    expect(() =>
      defineModel({ ...base, properties: { a: { id: 1, type: "bool", access: "r" }, b: { id: 1, type: "bool", access: "r" } } }),
    ).toThrow(/a and b share id 1/);
    expect(() => defineModel({ ...base, properties: { t: { id: 1, type: "number", min: 16.2, step: 0.5, access: "r" } } })).toThrow(
      ModelError,
    );
    expect(() => defineModel({ ...base, properties: { e: { id: 1, type: "enum", values: [], access: "r" } } })).toThrow(/at least one/);
  });
});
