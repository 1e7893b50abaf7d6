import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { airconIndoor } from "../../boards/aircon-indoor/index.js";
import { DEV_BOARDS, wiringTable, ESP32, ESP32_S3, esp32DevkitcWiring, esp32S3DevkitcWiring, wiringProblems, checkDevWiring, WiringError, type DevWiring } from "../../boards/dev/index.js";
import { fridge } from "../../boards/fridge/index.js";
import { vacuum } from "../../boards/vacuum/index.js";
import { washer } from "../../boards/washer/index.js";

const APPLIANCES: Record<string, { parts: Record<string, unknown> }> = { "aircon-indoor": airconIndoor, washer, fridge, vacuum };

describe("dev boards: every wiring checked against its chip's pins (from the datasheets)", () => {
  for (const [board, chip, wirings] of [["ESP32-DevKitC", ESP32, esp32DevkitcWiring], ["ESP32-S3-DevKitC-1", ESP32_S3, esp32S3DevkitcWiring]] as const) {
    for (const w of wirings) {
      it(`${board}: ${w.appliance}: every part the appliance has, each on a pin that can do it, with a reason`, () => {
        const parts = Object.keys(APPLIANCES[w.appliance]?.parts ?? {});
        expect(parts.length).toBeGreaterThan(0);
        expect(wiringProblems(chip, w, parts)).toEqual([]);
        expect(Object.keys(w.parts).sort()).toEqual([...parts].sort());
        for (const p of Object.values(w.parts)) expect(p.why.length).toBeGreaterThan(10);
      });
    }
  }

  const base = esp32DevkitcWiring[0] as DevWiring;
  const planted: [string, DevWiring["parts"][string], RegExp][] = [
    ["an analog input on ADC2", { kind: "adc", pin: 25, why: "x" }, /GPIO 25 is on ADC2, which cannot be read while Wi-Fi is on/],
    ["an analog input on a pin with no ADC", { kind: "adc", pin: 23, why: "x" }, /GPIO 23 has no ADC channel/],
    ["an output on an input-only pin", { kind: "digital-out", pin: 34, why: "x" }, /GPIO 34 is input-only: it has no output driver/],
    ["an output on a strapping pin", { kind: "digital-out", pin: 12, why: "x" }, /GPIO 12 is a strapping pin/],
    ["a pin the chip does not have", { kind: "digital-out", pin: 24, why: "x" }, /GPIO 24 is not a pin of the ESP32/],
    ["the console's pin", { kind: "digital-out", pin: 1, why: "x" }, /GPIO 1 is taken by the board: UART0 TX/],
    ["the flash's pin", { kind: "digital-out", pin: 6, why: "x" }, /GPIO 6 is not a pin of the ESP32/],
    ["a PWM too fast for 8 bits of duty", { kind: "pwm", pin: 23, hz: 1_000_000, why: "x" }, /GPIO 23 cannot make 1000000 Hz PWM with 8 bits of duty/],
    ["an I2C bus on a strapping pin", { kind: "i2c", data: 13, clock: 15, why: "x" }, /GPIO 15 is a strapping pin: a bus's pull-ups or a device on it at reset can change how the chip boots/],
    ["an SPI clock on an input-only pin", { kind: "spi", out: 13, in: 14, clock: 39, select: 4, why: "x" }, /GPIO 39 is input-only: SPI needs it to drive/],
  ];
  for (const [what, part, named] of planted) {
    it(`refuses ${what}, naming the pin and the reason`, () => {
      const bad: DevWiring = { ...base, parts: { ...base.parts, planted: part } };
      expect(() => checkDevWiring(ESP32, bad)).toThrow(WiringError);
      expect(wiringProblems(ESP32, bad).join("\n")).toMatch(named);
    });
  }

  it("refuses two parts on one pin, and a part the firmware uses left unwired", () => {
    const { louver: _, ...rest } = base.parts;
    const bad: DevWiring = { ...base, parts: { ...rest, buzzer: { kind: "pwm", pin: 16, hz: 2_700, why: "x" } } };
    const problems = wiringProblems(ESP32, bad, Object.keys(airconIndoor.parts)).join("\n");
    expect(problems).toMatch(/aircon-indoor\.buzzer: GPIO 16 is already aircon-indoor\.compressorRelay's/);
    expect(problems).toMatch(/aircon-indoor\.louver: not wired/);
  });
});

describe("the wiring tables people read are the wirings the build uses", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const boardsReadme = readFileSync(new URL("../../boards/dev/README.md", import.meta.url), "utf8");
  for (const board of Object.values(DEV_BOARDS)) {
    it(`${board.id}: boards/dev/README.md shows every appliance's table, the README the air conditioner's`, () => {
      for (const w of board.wirings) expect(boardsReadme, `${board.id} ${w.appliance}`).toContain(wiringTable(board, w.appliance));
      expect(readme).toContain(wiringTable(board, "aircon-indoor"));
    });
  }
});
