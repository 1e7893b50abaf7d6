/**
 * Pin capabilities of the chips on the dev boards Hearth's Moddable target
 * knows, as data, from the vendors' datasheets (Espressif: ESP32 Series
 * Datasheet v4.x, section 2 "Pins" and the ADC and LED PWM chapters; ESP32-S3
 * Series Datasheet v1.x, the same sections). A wiring is checked against
 * these before anything is built (`checkDevWiring`).
 */
export interface DevChip {
  readonly name: string;
  /** GPIOs a board exposes that firmware may use (not the flash's, not the USB's). */
  readonly gpio: readonly number[];
  /** Pins that can only be inputs (no output driver, no pull resistors). */
  readonly inputOnly: readonly number[];
  /** Pins sampled at reset to choose the boot mode: an output that pulls one can stop the chip booting. */
  readonly strapping: readonly number[];
  /** Pins of ADC1, the converter that works while Wi-Fi is on. */
  readonly adc1: readonly number[];
  /** Pins of ADC2: the Wi-Fi driver owns it, so it cannot be read while the board is online. */
  readonly adc2: readonly number[];
  /** Pins the dev board already uses (the console UART, the USB port, an LED). */
  readonly taken: Readonly<Record<number, string>>;
  /** LED PWM (LEDC): the timer clock, and the bits of duty it can count (frequency x 2^bits <= clock). */
  readonly pwm: { readonly clockHz: number; readonly maxBits: number; readonly minBits: number };
  /** UARTs firmware may use (besides the console's), by Moddable's port number. */
  readonly uarts: readonly number[];
}

export const ESP32: DevChip = {
  name: "ESP32 (ESP32-WROOM-32)",
  // GPIO 6..11 are the module's SPI flash; 20, 24, 28..31 do not exist; 37 and 38 are not on the DevKitC's headers.
  gpio: [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 32, 33, 34, 35, 36, 39],
  inputOnly: [34, 35, 36, 39],
  strapping: [0, 2, 5, 12, 15],
  adc1: [32, 33, 34, 35, 36, 39],
  adc2: [0, 2, 4, 12, 13, 14, 15, 25, 26, 27],
  taken: { 1: "UART0 TX (the USB console)", 3: "UART0 RX (the USB console)" },
  pwm: { clockHz: 80_000_000, maxBits: 20, minBits: 1 },
  uarts: [1, 2],
};

export const ESP32_S3: DevChip = {
  name: "ESP32-S3 (ESP32-S3-WROOM-1)",
  // GPIO 22..25 do not exist; 26..32 are the module's flash; 33..37 its octal PSRAM (N8R8 and the like).
  gpio: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48],
  inputOnly: [],
  strapping: [0, 3, 45, 46],
  adc1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  adc2: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  taken: { 19: "USB D- (the USB port)", 20: "USB D+ (the USB port)", 43: "UART0 TX (the console)", 44: "UART0 RX (the console)", 48: "the RGB LED" },
  pwm: { clockHz: 80_000_000, maxBits: 14, minBits: 1 },
  uarts: [1, 2],
};
