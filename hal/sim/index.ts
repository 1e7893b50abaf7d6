export { SimulatedH1 } from "./h1-sim.js";
export type { PwmOutput } from "./pwm.js";
export type { UartLine } from "./serial.js";
export { SimWatchdog, MAX_WATCHDOG_MS } from "./watchdog.js";
export { SimFlash, type BadSector, type FlashGeometry, type TornOp } from "./flash.js";
export { MainsBlock, conductedShare, burstConducts, type GateFiring, type MainsSupply, type MainsTimer } from "./mains.js";
export { BusBlock, type I2CDevice, type SPIDevice } from "./bus.js";
export { MotorBlock, type MotorDrive, type MotorSense } from "./motor.js";
export { PanelBlock, type DisplayView } from "./panel.js";
