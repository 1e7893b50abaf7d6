import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Eeprom25Chip } from "../../boards/components/eeprom25-chip.js";
import { Sht3xChip } from "../../boards/components/sht3x-chip.js";
import { H1 } from "../../hal/h1.js";
import { SimulatedH1 } from "../../hal/sim/h1-sim.js";
import { Eeprom25, EEPROM25_BYTES } from "../../sdk/device/drivers/eeprom25.js";
import { Sht3x, sht3xCrc, SHT3X_MEASURE_MS } from "../../sdk/device/drivers/sht3x.js";

const I2C_PINS = { data: H1.i2c[0].data, clock: H1.i2c[0].clock };
const SPI_PINS = { out: H1.spi[0].out, in: H1.spi[0].in, clock: H1.spi[0].clock, select: H1.spi[0].select };

describe("I2C and SPI as IO classes", () => {
  it("check their options and pins before claiming anything, naming what is wrong; devices share the I2C bus by address", () => {
    const h1 = new SimulatedH1();
    expect(() => new h1.io.I2C({ ...I2C_PINS, data: 7, hz: 100_000, address: 0x44 })).toThrow(/option data = 7 is not the H1's I2C data pin \(data 4, clock 5\)/);
    expect(() => new h1.io.I2C({ ...I2C_PINS, hz: 5_000_000, address: 0x44 })).toThrow(expect.objectContaining({ code: "bad-option", option: "hz" }));
    expect(() => new h1.io.I2C({ ...I2C_PINS, hz: 100_000, address: 0x80 })).toThrow(expect.objectContaining({ option: "address" }));
    expect(h1.owner(I2C_PINS.data)).toBeUndefined();
    const a = new h1.io.I2C({ ...I2C_PINS, hz: 100_000, address: 0x44 });
    const b = new h1.io.I2C({ ...I2C_PINS, hz: 400_000, address: 0x50 });
    expect(() => new h1.io.I2C({ ...I2C_PINS, hz: 100_000, address: 0x44 })).toThrow(expect.objectContaining({ code: "pin-in-use", option: "address" }));
    expect(() => a.read(1)).toThrow(/no acknowledge from address 0x44/);
    a.close();
    expect(h1.owner(I2C_PINS.clock), "the bus is held while a device is open").toBe("I2C");
    b.close();
    expect(h1.owner(I2C_PINS.clock)).toBeUndefined();
    expect(() => new h1.io.SPI({ ...SPI_PINS, hz: 1_000_000, mode: 4 })).toThrow(expect.objectContaining({ option: "mode" }));
    const spi = new h1.io.SPI({ ...SPI_PINS, hz: 1_000_000 });
    expect([...new Uint8Array(spi.transfer(Uint8Array.of(1, 2)))], "nothing on the bus: MISO floats high").toEqual([0xff, 0xff]);
    h1.reset("software");
    expect(() => spi.transfer(Uint8Array.of(1))).toThrow(expect.objectContaining({ code: "closed" }));
    expect(h1.owner(SPI_PINS.select)).toBeUndefined();
  });
});

describe("SHT3x humidity and temperature sensor (I2C)", () => {
  it("computes the datasheet's CRC: 0xBEEF gives 0x92", () => {
    expect(sht3xCrc(0xbe, 0xef)).toBe(0x92);
  });

  it("measures the air to the sensor's resolution; a read before the measurement ends is not acknowledged; a flipped bit is refused", () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 120, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (temperature, humidity) => {
        let now = 0;
        const h1 = new SimulatedH1(() => now);
        h1.bus.attachI2C(0x44, new Sht3xChip(() => now, () => ({ temperature, humidity })));
        const sensor = new Sht3x(new h1.io.I2C({ ...I2C_PINS, hz: 400_000, address: 0x44 }));
        sensor.start();
        now += 5;
        expect(() => sensor.read()).toThrow(/no acknowledge/);
        sensor.start();
        now += SHT3X_MEASURE_MS;
        const r = sensor.read();
        expect(Math.abs(r.temperature - temperature)).toBeLessThanOrEqual(175 / 65535);
        expect(Math.abs(r.humidity - humidity)).toBeLessThanOrEqual(100 / 65535);
      }),
      { numRuns: 100 },
    );
    let now = 0;
    const h1 = new SimulatedH1(() => now);
    const chip = new Sht3xChip(() => now, () => ({ temperature: 24, humidity: 55 }));
    h1.bus.attachI2C(0x44, { write: (b) => chip.write(b), read: (n) => chip.read(n)?.map((x, i) => (i === 4 ? x ^ 0x04 : x)) });
    const sensor = new Sht3x(new h1.io.I2C({ ...I2C_PINS, hz: 400_000, address: 0x44 }));
    sensor.start();
    now += 20;
    expect(() => sensor.read()).toThrow(/SHT3x: a reply with a bad CRC/);
  });
});

describe("25xx256 EEPROM (SPI)", () => {
  it("reads back whatever was written, across page boundaries, as a plain byte array would", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.integer({ min: 0, max: EEPROM25_BYTES - 300 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }), { minLength: 1, maxLength: 10 }), (writes) => {
        const h1 = new SimulatedH1();
        const chip = new Eeprom25Chip();
        h1.bus.attachSPI(chip);
        const eeprom = new Eeprom25(new h1.io.SPI({ ...SPI_PINS, hz: 5_000_000 }));
        const model = new Uint8Array(EEPROM25_BYTES).fill(0xff);
        for (const w of writes) {
          eeprom.write(w.at, w.bytes);
          model.set(w.bytes, w.at);
        }
        for (const w of writes) expect(eeprom.read(w.at, w.bytes.length)).toEqual(model.slice(w.at, w.at + w.bytes.length));
        expect(chip.bytes).toEqual(model);
      }),
      { numRuns: 50 },
    );
  });

  it("a write without WREN changes nothing; an address outside the chip is named", () => {
    const h1 = new SimulatedH1();
    const chip = new Eeprom25Chip();
    h1.bus.attachSPI(chip);
    const spi = new h1.io.SPI({ ...SPI_PINS, hz: 1_000_000 });
    spi.write(Uint8Array.of(0x02, 0x00, 0x10, 0xaa));
    expect(chip.bytes[0x10]).toBe(0xff);
    expect(() => new Eeprom25(spi).read(EEPROM25_BYTES - 2, 4)).toThrow(expect.objectContaining({ code: "bad-option", option: "address" }));
  });
});
