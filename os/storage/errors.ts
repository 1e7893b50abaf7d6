export type StorageErrorCode =
  | "not-found" // no such key
  | "no-space" // the write does not fit, even after garbage collection; nothing was written
  | "corrupt" // what flash holds fails its check (or the partition is not a store)
  | "io" // the flash failed and the store could not work around it
  | "bad-key" // an empty, too long, or non-text key
  | "too-large" // a value larger than the store takes
  | "record"; // a stored record of another format version, or one that does not fit its schema (record.ts)

/** Every storage failure, typed. A write that throws this changed nothing that was committed. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly key?: string,
  ) {
    super(message);
  }
}
