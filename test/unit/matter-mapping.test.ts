import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { airconMatter } from "../../examples/aircon/matter.js";
import { airconModel } from "../../examples/aircon/model.js";
import { fridgeMatter } from "../../examples/fridge/matter.js";
import { vacuumMatter } from "../../examples/vacuum/matter.js";
import { vacuumModel } from "../../examples/vacuum/model.js";
import { washerMatter } from "../../examples/washer/matter.js";
import { areasToMask, defineMatterMapping, maskToAreas, mappedMembers, roomsToAreas, scaledFromMatter, scaledToMatter, tableFromMatter, tableToMatter, unaccounted, type MatterBinding } from "../../sdk/matter/mapping.js";
import { problemWith } from "../../sdk/thing/validate.js";
import type { NumberSpec } from "../../sdk/thing/model.js";

const bindings = [airconMatter, washerMatter, fridgeMatter, vacuumMatter] as unknown as MatterBinding[];

describe("Matter mappings beside the thing models", () => {
  it("account for every member of each model: mapped, or listed with a reason", () => {
    for (const b of bindings) expect(unaccounted(b), b.model.id).toEqual([]);
  });

  it("list as unmapped only members they do not map", () => {
    for (const b of bindings) {
      const mapped = mappedMembers(b.mapping);
      const unmapped = b.mapping.unmapped;
      for (const p of Object.keys(unmapped.properties ?? {})) expect(mapped.properties.has(p), `${b.model.id} ${p}`).toBe(false);
      for (const a of Object.keys(unmapped.actions ?? {})) expect(mapped.actions.has(a), `${b.model.id} ${a}`).toBe(false);
    }
  });

  it("the vacuum's rooms are ServiceArea's areas: AreaID the room's number on one map, a selection's bitmask both ways, a repeated name left out", () => {
    const areas = roomsToAreas("Bedroom:0,0,1,1;Hall:1,1,2,2;Bedroom:2,2,3,3;Kitchen:3,3,4,4");
    expect(areas.map((a) => [a.areaId, a.mapId, a.areaInfo.locationInfo.locationName])).toEqual([[1, 1, "Bedroom"], [2, 1, "Hall"], [4, 1, "Kitchen"]]);
    expect(roomsToAreas(undefined)).toEqual([]);
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 16 })), (ids) => {
      expect(maskToAreas(areasToMask(ids) as number)).toEqual([...ids].sort((a, b) => a - b));
    }));
    for (const bad of [[0], [17], [1.5]]) expect(areasToMask(bad), String(bad)).toBeUndefined();
    const m = vacuumMatter.mapping;
    expect(m.deviceType === "RoboticVacuumCleaner" && m.areas).toMatchObject({ rooms: { property: "rooms" }, selected: { property: "selectedRooms" }, current: { property: "room" }, selectWhileRunning: true });
  });

  it("a mode table's values are the property's values, each mode once", () => {
    for (const b of bindings) {
      const m = b.mapping;
      const modeSets = m.deviceType === "RoboticVacuumCleaner" ? [m.runModes, m.cleanModes] : m.deviceType === "LaundryWasher" ? [m.modes] : m.deviceType === "Refrigerator" ? [m.modes] : [];
      for (const set of modeSets) {
        if (set === undefined) continue;
        const spec = b.model.spec.properties[set.property];
        expect(spec?.type).toBe("enum");
        const seen = set.modes.flatMap((mode) => mode.when);
        expect(new Set(seen).size, `${b.model.id} ${set.property}`).toBe(seen.length);
        for (const v of seen) expect(spec?.type === "enum" && spec.values.includes(v as never), `${b.model.id} ${String(v)}`).toBe(true);
      }
    }
  });

  it("a writable number goes to Matter and back unchanged, for every value on the model's step and range", () => {
    const setpoints: [MatterBinding, { property: string; scale: number }][] = [];
    for (const b of bindings) {
      const m = b.mapping;
      if (m.deviceType === "RoomAirConditioner") setpoints.push([b, m.thermostat.setpoint]);
      if (m.deviceType === "LaundryWasher" && m.temperature !== undefined) setpoints.push([b, m.temperature]);
      if (m.deviceType === "Refrigerator") for (const c of m.cabinets) setpoints.push([b, c.setpoint]);
    }
    expect(setpoints.length).toBe(4);
    for (const [b, s] of setpoints) {
      const spec = b.model.spec.properties[s.property] as NumberSpec;
      const steps = Math.round(((spec.max as number) - (spec.min as number)) / (spec.step as number));
      fc.assert(
        fc.property(fc.integer({ min: 0, max: steps }), (k) => {
          const value = Math.round(((spec.min as number) + k * (spec.step as number)) * 1e9) / 1e9;
          const matter = scaledToMatter(s, value) as number;
          expect(Number.isInteger(matter)).toBe(true);
          const back = scaledFromMatter(s, matter);
          expect(back).toBe(value);
          expect(problemWith(spec, back)).toBeUndefined();
        }),
      );
    }
  });

  it("a table is one-to-one where it is written: each model value has one Matter value and back", () => {
    const aircon = airconMatter.mapping;
    if (aircon.deviceType !== "RoomAirConditioner") throw new Error("the air conditioner is a RoomAirConditioner");
    for (const table of [aircon.thermostat.systemMode, aircon.fanMode!]) {
      for (const [value, matter] of table.table) {
        expect(tableToMatter(table, value)).toBe(matter);
        expect(tableFromMatter(table, matter)).toEqual({ value });
      }
      expect(new Set(table.table.map(([, m]) => m)).size).toBe(table.table.length);
    }
  });

  it("does not compile when it names what the model does not have", () => {
    const unmapped = {};
    const onOff = { property: "power" } as const;
    const thermostat = { systemMode: { property: "mode", table: [["cool", 3]] }, setpoint: { property: "target", scale: 100 }, localTemperature: { property: "room", scale: 100 } } as const;
    // A property the model lacks.
    // @ts-expect-error "powr" is not a property of hearth.aircon
    defineMatterMapping(airconModel, { deviceType: "RoomAirConditioner", onOff: { property: "powr" }, thermostat, unmapped });
    // A value the enumeration lacks.
    // @ts-expect-error "freeze" is not one of mode's values
    defineMatterMapping(airconModel, { deviceType: "RoomAirConditioner", onOff, thermostat: { ...thermostat, systemMode: { property: "mode", table: [["freeze", 3]] } }, unmapped });
    // A read-only property as a setpoint.
    // @ts-expect-error room is read-only: it cannot be a setpoint
    defineMatterMapping(airconModel, { deviceType: "RoomAirConditioner", onOff, thermostat: { ...thermostat, setpoint: { property: "room", scale: 100 } }, unmapped });
    // An action the model lacks, and an unmapped member it lacks.
    const runModes = { property: "state", modes: [{ mode: 0, label: "Idle", tags: [0x4000], when: ["docked"], enter: { invoke: "dock" } }] } as const;
    const operational = { state: { property: "state", table: [["docked", 0x42]] }, error: { property: "error", errors: [] }, commands: {} } as const;
    // @ts-expect-error vacuums have no action "fly"
    defineMatterMapping(vacuumModel, { deviceType: "RoboticVacuumCleaner", runModes: { ...runModes, modes: [{ ...runModes.modes[0], enter: { invoke: "fly" } }] }, operational, unmapped });
    // @ts-expect-error "colour" is not a property of hearth.vacuum
    defineMatterMapping(vacuumModel, { deviceType: "RoboticVacuumCleaner", runModes, operational, unmapped: { properties: { colour: "none" } } });
    // Areas: the selection must be a writable number, the rooms a string.
    // @ts-expect-error room is read-only: it cannot hold the selection
    defineMatterMapping(vacuumModel, { deviceType: "RoboticVacuumCleaner", runModes, operational, areas: { rooms: { property: "rooms" }, selected: { property: "room" }, selectWhileRunning: true }, unmapped });
    // @ts-expect-error battery is a number, not the rooms' text
    defineMatterMapping(vacuumModel, { deviceType: "RoboticVacuumCleaner", runModes, operational, areas: { rooms: { property: "battery" }, selected: { property: "selectedRooms" }, selectWhileRunning: true }, unmapped });
    // The same shapes with the model's own names compile.
    expect(defineMatterMapping(vacuumModel, { deviceType: "RoboticVacuumCleaner", runModes, operational, unmapped }).mapping.deviceType).toBe("RoboticVacuumCleaner");
  });
});
