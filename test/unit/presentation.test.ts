import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { airconModel } from "../../examples/aircon/model.js";
import { fridgeModel } from "../../examples/fridge/model.js";
import { vacuumModel } from "../../examples/vacuum/model.js";
import { defineModel, ModelError } from "../../sdk/thing/model.js";
import { describeValues, formatRooms, formatValue, languageOf, MAX_ROOMS, parseFormatted, parseRooms, timeOfDay, utcOffset } from "../../sdk/thing/presentation.js";

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

  it("a robot's rooms: read in order, each a rectangle in metres; what does not read so is skipped; written back as read", () => {
    const text = "Bedroom:-1.5,-5.4,1.2,-3;Hall:1.2,0,-1.5,-2.4;broken;:1,2,3,4;Odd:1,2,3;Living room:1.8,-5.4,7.8,-2.1";
    expect(parseRooms(text)).toEqual([
      { name: "Bedroom", x0: -1.5, y0: -5.4, x1: 1.2, y1: -3 },
      { name: "Hall", x0: -1.5, y0: -2.4, x1: 1.2, y1: 0 },
      { name: "Living room", x0: 1.8, y0: -5.4, x1: 7.8, y1: -2.1 },
    ]);
    expect(formatValue(vacuumModel.spec.properties.rooms, text, "en")).toBe("3 rooms: Bedroom, Hall, Living room");
    expect(formatValue(vacuumModel.spec.properties.rooms, "", "zh")).toBe("无");
    expect(parseRooms(Array.from({ length: 20 }, (_, i) => `R${i}:0,0,1,1`).join(";"))).toHaveLength(MAX_ROOMS);
    const room = fc.record({ name: fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,10}[A-Za-z]$/), x0: fc.integer({ min: -200, max: 0 }), y0: fc.integer({ min: -200, max: 0 }), x1: fc.integer({ min: 0, max: 200 }), y1: fc.integer({ min: 0, max: 200 }) }).map((r) => ({ ...r, x0: r.x0 / 10, y0: r.y0 / 10, x1: r.x1 / 10, y1: r.y1 / 10 }));
    fc.assert(fc.property(fc.array(room, { maxLength: MAX_ROOMS }), (rooms) => {
      expect(parseRooms(formatRooms(rooms))).toEqual(rooms);
    }));
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
