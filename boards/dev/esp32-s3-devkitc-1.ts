import type { DevWiring } from "./wiring.js";

/**
 * Espressif's ESP32-S3-DevKitC-1 (ESP32-S3-WROOM-1), Moddable's current ESP32
 * target (more RAM for XS, native USB): chosen over the Pico W because it keeps
 * the ESP32 family's peripherals (LED PWM, MCPWM for BLDC drivers) and the
 * same Wi-Fi stack. Outputs on GPIO 38..42 and 47 (no ADC, no boot role), inputs
 * on ADC2 pins (an ADC2 pin is a fine digital input with Wi-Fi on), analog on ADC1.
 */
const OUT = "a plain GPIO with no ADC and no boot role";
const IN = "a digital input (ADC2 is unusable for analog with Wi-Fi on, not for switches)";
const SSR = "the input of a zero-cross solid-state relay: it switches the load at the mains' crossings, so the binding's burst control needs no gate timing";

export const esp32S3DevkitcWiring: readonly DevWiring[] = [
  {
    appliance: "aircon-indoor",
    parts: {
      compressorRelay: { kind: "digital-out", pin: 38, why: OUT },
      reversingValve: { kind: "digital-out", pin: 39, why: OUT },
      indoorFan: { kind: "pwm", pin: 40, hz: 25_000, why: "LED PWM; 25 kHz keeps 11 bits of duty" },
      louver: { kind: "digital-out", pin: 41, why: OUT },
      buzzer: { kind: "pwm", pin: 42, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      roomSensor: { kind: "adc", pin: 1, why: "ADC1 channel 0" },
      coilSensor: { kind: "adc", pin: 2, why: "ADC1 channel 1" },
      climateSensor: { kind: "i2c", data: 8, clock: 9, why: "I2C0 on the S3's usual pins (no boot role); the sensor board's pull-ups" },
    },
  },
  {
    appliance: "washer",
    parts: {
      doorLock: { kind: "digital-out", pin: 38, why: OUT },
      inletValve: { kind: "digital-out", pin: 39, why: OUT },
      drainPump: { kind: "digital-out", pin: 40, why: OUT },
      heater: { kind: "triac", pin: 41, why: SSR },
      buzzer: { kind: "pwm", pin: 42, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      lockConfirm: { kind: "digital-in", pin: 14, why: IN },
      doorSwitch: { kind: "digital-in", pin: 13, why: IN },
      drumMotor: { kind: "pwm", pin: 47, hz: 20_000, why: "LED PWM speed command to the BLDC driver" },
      waterLevel: { kind: "adc", pin: 4, why: "ADC1 channel 3" },
      waterTemp: { kind: "adc", pin: 5, why: "ADC1 channel 4" },
      drumSpeed: { kind: "adc", pin: 6, why: "ADC1 channel 5" },
      currentRipple: { kind: "adc", pin: 7, why: "ADC1 channel 6" },
      calibration: { kind: "spi", out: 11, in: 12, clock: 10, select: 15, why: "SPI2 (FSPI) through the GPIO matrix, on pins with no boot role" },
    },
  },
  {
    appliance: "fridge",
    parts: {
      compressor: { kind: "digital-out", pin: 38, why: OUT },
      fan: { kind: "digital-out", pin: 39, why: OUT },
      defrostHeater: { kind: "digital-out", pin: 40, why: OUT },
      damper: { kind: "digital-out", pin: 41, why: OUT },
      buzzer: { kind: "pwm", pin: 42, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      doorSwitch: { kind: "digital-in", pin: 14, why: IN },
      fridgeSensor: { kind: "adc", pin: 4, why: "ADC1 channel 3" },
      freezerSensor: { kind: "adc", pin: 5, why: "ADC1 channel 4" },
      evaporatorSensor: { kind: "adc", pin: 6, why: "ADC1 channel 5" },
    },
  },
  {
    appliance: "vacuum",
    parts: {
      motion: { kind: "uart", port: 1, tx: 17, rx: 18, baud: 115_200, why: "UART1 on free pins; UART0 is the console" },
      brush: { kind: "digital-out", pin: 38, why: OUT },
      buzzer: { kind: "pwm", pin: 42, hz: 2_700, why: "LED PWM at the piezo's resonance" },
      bumper: { kind: "digital-in", pin: 14, why: IN },
      cliff: { kind: "digital-in", pin: 13, why: IN },
      dockContacts: { kind: "digital-in", pin: 12, why: IN },
      binFull: { kind: "digital-in", pin: 11, why: IN },
      suction: { kind: "pwm", pin: 47, hz: 20_000, why: "LED PWM for the fan's driver" },
      battery: { kind: "adc", pin: 4, why: "ADC1 channel 3, through the board's divider" },
    },
  },
];
