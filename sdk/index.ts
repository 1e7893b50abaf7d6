/** `hearth/sdk`, what firmware imports: the thing model, the Device API, and the HAL and OS types firmware sees. Nothing of the simulator (that is `hearth/sim`) or the cloud. */
export * from "./thing/model.js";
export { parseRooms, formatRooms, MAX_ROOMS, type Room } from "./thing/presentation.js";
export { Device, type DeviceListener } from "./device/device.js";
export { HearthError, ErrorCode, type ErrorCodeName } from "./thing/errors.js";
export { type FirmwareContext, type FirmwareModule } from "./device/runtime/firmware.js";
export type { UpdateControl } from "./device/ota/update-control.js";
export type { LinkState, LinkStats } from "./device/link/device-link.js";
export { DigitalMode, Edge, HalError, type Digital, type Analog, type PWM, type Serial, type IO } from "../hal/index.js";
export { frozen } from "../hal/frozen.js";
export { defineStates, StateMachine, Bus, FaultGuard, ResetReason, type Kernel, type Timer, type Log, type TaskWatchdog, type StateApi } from "../os/index.js";
export type { Chip, HardwareWatchdog, I2C, SPI, Motor, MotorReading, ZeroCross, ZeroCrossReading, Triac, TriacSetting, MainsState, Display, DisplayFrame, TouchKeys, KeyEvent } from "../hal/index.js";
export { KvStore, AppendLog, StorageError, defineRecord, field, type StorageErrorCode, type RecordCodec, type RecordValue } from "../os/storage/index.js";
export type { CborValue } from "../os/cbor.js";
export { CompressorGuard, type CompressorTimes } from "./device/controls/compressor-guard.js";
export { mirrorOnDisplay } from "./device/controls/display-mirror.js";
export { Sht3x, SHT3X_MEASURE_MS, type Climate } from "./device/drivers/sht3x.js";
export { Eeprom25 } from "./device/drivers/eeprom25.js";
export { defineEngine } from "./device/runtime/engine.js";
