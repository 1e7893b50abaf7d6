import type { DevWiring } from "./wiring.js";

/**
 * Espressif's ESP32-DevKitC (ESP32-WROOM-32), the most common Moddable board:
 * each appliance's parts on pins the chip can drive or read with Wi-Fi on.
 * Outputs on plain GPIOs with no boot role; switches on the input-only pins
 * (with the board's external pull-ups); every analog input on ADC1.
 */
const OUT = "a plain GPIO with no boot role: the load stays off through a reset";
const IN = "an input-only pin, ideal for a switch (pull-up on the board)";
const SSR = "the input of a zero-cross solid-state relay: it switches the load at the mains' crossings, so the binding's burst control needs no gate timing";

export const esp32DevkitcWiring: readonly DevWiring[] = [
  {
    appliance: "aircon-indoor",
    parts: {
      compressorRelay: { kind: "digital-out", pin: 16, why: OUT },
      reversingValve: { kind: "digital-out", pin: 17, why: OUT },
      indoorFan: { kind: "pwm", pin: 18, hz: 25_000, why: "LED PWM; 25 kHz keeps 11 bits of duty, above hearing" },
      louver: { kind: "digital-out", pin: 19, why: OUT },
      buzzer: { kind: "pwm", pin: 21, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      roomSensor: { kind: "adc", pin: 32, why: "ADC1 channel 4: readable with Wi-Fi on" },
      coilSensor: { kind: "adc", pin: 33, why: "ADC1 channel 5: readable with Wi-Fi on" },
      climateSensor: { kind: "i2c", data: 26, clock: 27, why: "I2C0 through the GPIO matrix, on pins with no boot role; the sensor board's pull-ups" },
    },
  },
  {
    appliance: "washer",
    parts: {
      doorLock: { kind: "digital-out", pin: 16, why: OUT },
      inletValve: { kind: "digital-out", pin: 17, why: OUT },
      drainPump: { kind: "digital-out", pin: 18, why: OUT },
      heater: { kind: "triac", pin: 19, why: SSR },
      buzzer: { kind: "pwm", pin: 21, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      lockConfirm: { kind: "digital-in", pin: 34, why: IN },
      doorSwitch: { kind: "digital-in", pin: 35, why: IN },
      drumMotor: { kind: "pwm", pin: 22, hz: 20_000, why: "LED PWM speed command to the BLDC driver; 20 kHz keeps 11 bits" },
      waterLevel: { kind: "adc", pin: 32, why: "ADC1 channel 4" },
      waterTemp: { kind: "adc", pin: 33, why: "ADC1 channel 5" },
      drumSpeed: { kind: "adc", pin: 36, why: "ADC1 channel 0 (SENSOR_VP)" },
      currentRipple: { kind: "adc", pin: 39, why: "ADC1 channel 3 (SENSOR_VN)" },
      calibration: { kind: "spi", out: 23, in: 25, clock: 26, select: 27, why: "SPI2 through the GPIO matrix, on pins with no boot role" },
    },
  },
  {
    appliance: "fridge",
    parts: {
      compressor: { kind: "digital-out", pin: 16, why: OUT },
      fan: { kind: "digital-out", pin: 17, why: OUT },
      defrostHeater: { kind: "digital-out", pin: 18, why: OUT },
      damper: { kind: "digital-out", pin: 19, why: OUT },
      buzzer: { kind: "pwm", pin: 21, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      doorSwitch: { kind: "digital-in", pin: 34, why: IN },
      fridgeSensor: { kind: "adc", pin: 32, why: "ADC1 channel 4" },
      freezerSensor: { kind: "adc", pin: 33, why: "ADC1 channel 5" },
      evaporatorSensor: { kind: "adc", pin: 36, why: "ADC1 channel 0" },
    },
  },
  {
    appliance: "vacuum",
    parts: {
      motion: { kind: "uart", port: 2, tx: 17, rx: 16, baud: 115_200, why: "UART2 on its usual pins; UART0 is the USB console" },
      brush: { kind: "digital-out", pin: 18, why: OUT },
      buzzer: { kind: "pwm", pin: 21, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      bumper: { kind: "digital-in", pin: 34, why: IN },
      cliff: { kind: "digital-in", pin: 35, why: IN },
      dockContacts: { kind: "digital-in", pin: 36, why: IN },
      binFull: { kind: "digital-in", pin: 39, why: IN },
      suction: { kind: "pwm", pin: 19, hz: 20_000, why: "LED PWM for the fan's driver; 20 kHz keeps 11 bits" },
      battery: { kind: "adc", pin: 32, why: "ADC1 channel 4, through the board's divider" },
    },
  },
];
