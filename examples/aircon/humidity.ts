import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { HalError, type IO, type Kernel, type Log } from "../../sdk/index.js";
import { Sht3x, SHT3X_MEASURE_MS } from "../../sdk/device/drivers/sht3x.js";

const EVERY_MS = 5_000;

/**
 * The return air's humidity, from the unit's SHT3x on the I2C bus, measured
 * every 5 s. Undefined until the first reading, and again while the sensor
 * does not answer (a loose cable): dry mode then runs on temperature alone.
 */
export function roomHumidity(io: IO, kernel: Kernel, log: Log): () => number | undefined {
  const part = airconIndoor.parts.climateSensor;
  let sensor: Sht3x;
  try {
    sensor = new Sht3x(new io.I2C({ data: part.data, clock: part.clock, hz: 100_000, address: part.address }));
  } catch (error) {
    if (!(error instanceof HalError)) throw error;
    log.warn("humidity", `no climate sensor: ${error.message}`);
    return () => undefined;
  }
  let humidity: number | undefined;
  let failing = false;
  const failed = (error: unknown): void => {
    humidity = undefined;
    if (!failing) log.warn("humidity", `the climate sensor does not answer: ${error instanceof Error ? error.message : String(error)}`);
    failing = true;
  };
  kernel.every(
    EVERY_MS,
    () => {
      try {
        sensor.start();
      } catch (error) {
        return failed(error);
      }
      kernel.after(SHT3X_MEASURE_MS + 4, () => {
        try {
          humidity = Math.round(sensor.read().humidity * 10) / 10;
          failing = false;
        } catch (error) {
          failed(error);
        }
      }, "humidity");
    },
    { task: "humidity" },
  );
  return () => humidity;
}
