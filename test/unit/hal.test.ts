import { describe, expect, it } from "vitest";
import { airconIndoor, celsiusToCounts, countsToCelsius } from "../../boards/aircon-indoor/index.js";
import { DigitalMode, Edge, H1, HalError, partition } from "../../hal/index.js";
import { SimulatedH1 } from "../../hal/sim/index.js";

function halError(fn: () => unknown): HalError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HalError);
    return error as HalError;
  }
  throw new Error("expected a HalError");
}

describe("H1 description", () => {
  it("lays the flash map out back to back over exactly 1 MiB, sector aligned", () => {
    let end = 0;
    for (const p of H1.flash.partitions) {
      expect(p.offset).toBe(end);
      expect(p.offset % H1.flash.sectorBytes).toBe(0);
      end = p.offset + p.size;
    }
    expect(end).toBe(H1.flash.sizeBytes);
    expect(partition("kv")).toEqual({ name: "kv", offset: 800 * 1024, size: 128 * 1024 });
  });
});

describe("simulated H1 IO (ECMA-419 style)", () => {
  it("names an unknown pin, a pin in use, and an option out of range, and claims nothing then", () => {
    const h1 = new SimulatedH1();
    const { Digital, PWM, Analog, Serial } = h1.io;
    let e = halError(() => new Digital({ pin: 40, mode: DigitalMode.Output }));
    expect(e.code).toBe("unknown-pin");
    expect(e.message).toMatch(/no pin 40/);

    new Digital({ pin: 5, mode: DigitalMode.Output });
    e = halError(() => new PWM({ pin: 5, hz: 1000 }));
    expect([e.code, e.message]).toEqual(["pin-in-use", "PWM: pin 5 is already in use by Digital"]);

    e = halError(() => new PWM({ pin: 6, hz: 50_000_000 }));
    expect([e.code, e.option]).toEqual(["bad-option", "hz"]);
    expect(e.message).toMatch(/hz = 50000000 is out of range 1..40000/);
    expect(h1.owner(6)).toBeUndefined(); // checked before anything was touched

    e = halError(() => new Analog({ pin: 3 }));
    expect(e.message).toMatch(/pin 3 has no ADC channel/);
    e = halError(() => new Digital({ pin: 7, mode: 5 as DigitalMode }));
    expect(e.option).toBe("mode");
    e = halError(() => new Serial({ port: 2, baud: 115200 }));
    expect(e.option).toBe("port");
    e = halError(() => new Serial({ port: 0, baud: 10 }));
    expect(e.option).toBe("baud");
    expect(h1.owner(0)).toBeUndefined();
  });

  it("lets a plant see outputs and drive inputs, with edge callbacks", () => {
    const h1 = new SimulatedH1();
    const out = new h1.io.Digital({ pin: 12, mode: DigitalMode.Output });
    out.write(1);
    expect(h1.level(12)).toBe(1);
    const edges: number[] = [];
    const input = new h1.io.Digital({
      pin: 20,
      mode: DigitalMode.Input,
      edge: Edge.Rising,
      onReadable() {
        edges.push(this.read());
      },
    });
    h1.drive(20, 1);
    h1.drive(20, 0);
    h1.drive(20, 1);
    expect(edges).toEqual([1, 1]);
    expect(() => input.write(1)).toThrow(/is an input/);
    out.close();
    expect(h1.level(12)).toBe(0);
    expect(() => out.write(1)).toThrow(HalError);
    new h1.io.Digital({ pin: 12, mode: DigitalMode.Output }); // a closed pin is free again
  });

  it("reads ADC counts the plant sets, and reports PWM duty", () => {
    const h1 = new SimulatedH1();
    const adc = new h1.io.Analog({ pin: 24 });
    h1.setAnalog(24, 5000);
    expect(adc.read()).toBe(4095);
    h1.setAnalog(24, 1234.4);
    expect(adc.read()).toBe(1234);
    const pwm = new h1.io.PWM({ pin: 14, hz: 25_000 });
    pwm.write(1023);
    expect(h1.pwmOutput(14)).toEqual({ hz: 25_000, duty: 1 });
    expect(() => pwm.write(1024)).toThrow(/duty = 1024 is out of range 0..1023/);
  });

  it("has six PWM generators and says so when they run out", () => {
    const h1 = new SimulatedH1();
    for (let pin = 10; pin < 16; pin++) new h1.io.PWM({ pin, hz: 1000 });
    expect(() => new h1.io.PWM({ pin: 16, hz: 1000 })).toThrow(/all 6 PWM generators are in use/);
  });

  it("carries bytes both ways on a UART", () => {
    const h1 = new SimulatedH1();
    const seen: number[][] = [];
    h1.uart[1]!.onTransmit((bytes) => seen.push([...bytes]));
    let readable = 0;
    const serial = new h1.io.Serial({ port: 1, baud: 115200, onReadable: () => readable++ });
    serial.write(Uint8Array.of(1, 2, 3));
    serial.write(0x7f);
    h1.uart[1]!.inject(Uint8Array.of(9, 8));
    expect(seen).toEqual([[1, 2, 3], [0x7f]]);
    expect(readable).toBe(1);
    expect([...new Uint8Array(serial.read() as ArrayBuffer)]).toEqual([9, 8]);
    expect(serial.read()).toBeUndefined();
  });
});

describe("aircon-indoor board", () => {
  it("wires every part to a pin the H1 has, each pin once, sensors on ADC pins, the I2C sensor on the H1's I2C port", () => {
    const pins = Object.values(airconIndoor.parts).flatMap((p) => ("pin" in p ? [p.pin] : [p.data, p.clock]));
    expect(new Set(pins).size).toBe(pins.length);
    for (const part of Object.values(airconIndoor.parts)) {
      if (!("pin" in part)) {
        expect({ data: part.data, clock: part.clock }).toEqual({ data: H1.i2c[0].data, clock: H1.i2c[0].clock });
        continue;
      }
      expect(part.pin).toBeLessThan(H1.gpioCount);
      if (part.kind === "adc") expect(H1.adc.pins).toContain(part.pin);
    }
  });

  it("converts thermistor counts to °C and back; 12-bit quantisation costs under 0.1 °C over -20..70 °C", () => {
    for (let c = -20; c <= 70; c += 0.5) {
      expect(countsToCelsius(celsiusToCounts(c))).toBeCloseTo(c, 6);
      expect(Math.abs(countsToCelsius(Math.round(celsiusToCounts(c)))! - c)).toBeLessThan(0.1);
    }
    expect(countsToCelsius(0)).toBeUndefined();
    expect(countsToCelsius(4095)).toBeUndefined();
  });
});
