import { defineMatterMapping } from "../../sdk/matter/mapping.js";
import { airconModel } from "./model.js";

/** The air conditioner as Matter's RoomAirConditioner (0x72). Numbers are Matter's: Thermostat SystemMode, FanControl FanMode, 0.01 °C. */
export const airconMatter = defineMatterMapping(airconModel, {
  deviceType: "RoomAirConditioner",
  onOff: { property: "power" },
  thermostat: {
    systemMode: { property: "mode", table: [["auto", 1], ["cool", 3], ["heat", 4], ["fan", 7], ["dry", 8]] },
    // One target serves both of Matter's setpoints: writing either sets it.
    setpoint: { property: "target", scale: 100 },
    localTemperature: { property: "room", scale: 100 },
  },
  temperatureMeasurement: { property: "room", scale: 100 },
  fanMode: { property: "fan", table: [[1, 1], [2, 2], [3, 3], ["auto", 5]] },
  rocking: { property: "swing" },
  unmapped: {
    properties: {
      compressor: "no Matter attribute says whether the compressor runs (Thermostat's ThermostatRunningState is optional and not served)",
      coil: "the evaporator coil's temperature has no Matter counterpart",
      error: "Hearth's sensor error codes have no Thermostat counterpart",
      cleaning: "self-cleaning has no Matter counterpart",
    },
    actions: { selfClean: "no Matter command cleans the coil" },
    events: { targetNotReached: "Thermostat has no such event" },
  },
});
