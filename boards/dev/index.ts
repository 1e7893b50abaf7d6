export { ESP32, ESP32_S3, type DevChip } from "./chips.js";
export { checkDevWiring, wiringProblems, WiringError, type DevPart, type DevWiring } from "./wiring.js";
export { esp32DevkitcWiring } from "./esp32-devkitc.js";
export { esp32S3DevkitcWiring } from "./esp32-s3-devkitc-1.js";
export { DEV_BOARDS, firmwarePart, wiringTable, type DevBoard } from "./boards.js";
