export { KvStore, type KvOptions } from "./kv-store.js";
export { StorageError, type StorageErrorCode } from "./errors.js";
export { crc32 } from "./crc32.js";
export { AppendLog, type LogEntry } from "./append-log.js";
export { defineRecord, field, type FieldType, type RecordCodec, type RecordOf, type RecordValue } from "./record.js";
