import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { airconModel } from "../../examples/aircon/model.js";
import { fridgeModel } from "../../examples/fridge/model.js";
import { vacuumModel } from "../../examples/vacuum/model.js";
import { defineModel, ModelError } from "../../sdk/thing/model.js";
import { describeValues, formatValue, languageOf, parseFormatted, timeOfDay, utcOffset } from "../../sdk/thing/presentation.js";

describe("a model's presentation: how a person reads it", () => {
  it("reads values in the model's words, in English and Simplified Chinese", () => {
    const p = airconModel.spec.properties;
    expect(formatValue(p.mode, "fan", "en")).toBe("Fan only");
    expect(formatValue(p.mode, "fan", "zh")).toBe("送风");
    expect(formatValue(p.power, true, "en")).toBe("on");
    expect(formatValue(p.target, 22.5, "en")).toBe("22.5 °C");
    expect(formatValue(p.error, 0, "en")).toBe("none");
    expect(formatValue(fridgeModel.spec.properties.error, 3, "en")).toBe("E3 evaporator sensor open or shorted");
    expect(formatValue(fridgeModel.spec.properties.error, 42, "en")).toBe("42"); // a code the model does not know: its number
    expect(formatValue(vacuumModel.spec.properties.scheduleAt, 600, "en")).toBe("10:00");
    expect(formatValue(vacuumModel.spec.properties.utcOffset, 480, "zh")).toBe("UTC+8");
    expect(describeValues(airconModel.spec.events.targetNotReached.fields, { room: 27.3, target: 22, minutes: 30 }, "en")).toBe("Room temperature 27.3 °C, Target temperature 22 °C, Running for 30");
  });

  it("a clock time and a UTC offset read back as the minutes they came from, for every value the fields allow", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1439 }), (m) => parseFormatted("time-of-day", timeOfDay(m)) === m));
    fc.assert(fc.property(fc.integer({ min: -720, max: 840 }), (m) => parseFormatted("utc-offset", utcOffset(m)) === m));
    expect(utcOffset(-210)).toBe("UTC-3:30");
    expect(utcOffset(0)).toBe("UTC");
    for (const bad of ["24:00", "10:60", "10", "", "noon"]) expect(parseFormatted("time-of-day", bad), bad).toBeUndefined();
  });

  it("takes the language from a locale tag: Chinese for zh, English otherwise", () => {
    expect(["zh-CN", "zh_CN.UTF-8", "zh", "zh-Hans"].map(languageOf)).toEqual(["zh", "zh", "zh", "zh"]);
    expect(["en-US", "de", undefined, "zhx"].map(languageOf)).toEqual(["en", "en", "en", "en"]);
  });

  it("defineModel refuses presentation that does not fit the field: a label short for an enum, a code the field cannot hold, a clock past midnight", () => {
    const model = (property: object) => () => defineModel({ id: "t", version: 1, properties: { p: { id: 1, access: "r", ...property } as never }, actions: {}, events: {} });
    expect(model({ type: "enum", values: ["a", "b"], valueLabels: [{ en: "A", zh: "甲" }] })).toThrow(ModelError);
    expect(model({ type: "enum", values: ["a", "b"], valueLabels: [{ en: "A", zh: "甲" }] })).toThrow(/valueLabels has 1 labels for 2 values/);
    expect(model({ type: "int", min: 0, max: 9, codes: { 12: { en: "x", zh: "x" } } })).toThrow(/code 12 is not a value of the field/);
    expect(model({ type: "int", min: 0, max: 2000, format: "time-of-day" })).toThrow(/time-of-day/);
    expect(model({ type: "int", min: 0, max: 1439, format: "time-of-day", codes: { 0: { en: "midnight", zh: "午夜" } } })).not.toThrow();
  });
});
