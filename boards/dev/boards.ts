import { ESP32, ESP32_S3, type DevChip } from "./chips.js";
import { esp32DevkitcWiring } from "./esp32-devkitc.js";
import { esp32S3DevkitcWiring } from "./esp32-s3-devkitc-1.js";
import type { DevPart, DevWiring } from "./wiring.js";

/** A dev board a firmware can be built for: its chip, and each appliance's wiring on it. */
export interface DevBoard {
  readonly id: string;
  readonly name: string;
  readonly chip: DevChip;
  readonly wirings: readonly DevWiring[];
}

export const DEV_BOARDS: Readonly<Record<string, DevBoard>> = {
  "esp32-devkitc": { id: "esp32-devkitc", name: "Espressif ESP32-DevKitC (ESP32-WROOM-32)", chip: ESP32, wirings: esp32DevkitcWiring },
  "esp32-s3-devkitc-1": { id: "esp32-s3-devkitc-1", name: "Espressif ESP32-S3-DevKitC-1 (ESP32-S3-WROOM-1)", chip: ESP32_S3, wirings: esp32S3DevkitcWiring },
};

/** The firmware's view of a dev-board part: the same shape as an appliance board's part (`boards/<id>/wiring.ts`). */
export function firmwarePart(part: DevPart): Record<string, string | number> {
  if (part.kind === "uart") return { kind: "uart", port: part.port, baud: part.baud, tx: part.tx, rx: part.rx };
  if (part.kind === "pwm") return { kind: "pwm", pin: part.pin, hz: part.hz };
  if (part.kind === "i2c") return { kind: "i2c", data: part.data, clock: part.clock };
  if (part.kind === "spi") return { kind: "spi", out: part.out, in: part.in, clock: part.clock, select: part.select };
  return { kind: part.kind, pin: part.pin };
}

/** A dev board's wiring of one appliance as a Markdown table (the README prints these; a test holds them equal). */
export function wiringTable(board: DevBoard, appliance: string): string {
  const wiring = board.wirings.find((w) => w.appliance === appliance);
  if (wiring === undefined) return "";
  const rows = Object.entries(wiring.parts).map(([part, p]) => {
    const where =
      p.kind === "uart"
        ? `UART ${p.port}: TX GPIO ${p.tx}, RX GPIO ${p.rx}, ${p.baud} baud`
        : p.kind === "i2c"
          ? `SDA GPIO ${p.data}, SCL GPIO ${p.clock}`
          : p.kind === "spi"
            ? `MOSI GPIO ${p.out}, MISO GPIO ${p.in}, SCK GPIO ${p.clock}, CS GPIO ${p.select}`
            : p.kind === "pwm"
              ? `GPIO ${p.pin}, ${p.hz} Hz`
              : `GPIO ${p.pin}`;
    return `| ${part} | ${p.kind} | ${where} | ${p.why} |`;
  });
  return ["| part | kind | pin | why |", "|---|---|---|---|", ...rows].join("\n");
}
