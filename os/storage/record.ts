import type { CborValue } from "../cbor.js";
import { StorageError } from "./errors.js";
import type { KvStore } from "./kv-store.js";
import { frozen } from "../../hal/frozen.js";

/**
 * One small schema-driven codec for every record kept in flash (boot state,
 * an update in progress, settings, a wash in progress). A record is stored
 * as one CBOR array: its format version, then its fields in the order the
 * schema names them. Reading checks every field; a record of another
 * version, or one that does not fit its schema, is a typed StorageError
 * ("record") that names what is wrong, never a silent default.
 */
export interface FieldType<T> {
  readonly what: string;
  is(x: unknown): x is T;
}

const kind = <T>(what: string, is: (x: unknown) => boolean): FieldType<T> => Object.freeze({ what, is: is as (x: unknown) => x is T });

export const field = frozen({
  bool: kind<boolean>("a boolean", (x) => typeof x === "boolean"),
  text: kind<string>("text", (x) => typeof x === "string"),
  bytes: kind<Uint8Array>("a byte string", (x) => x instanceof Uint8Array),
  uint: kind<number>("an unsigned integer", (x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0),
  /** A finite number that is not negative (a time, a count, a speed). */
  nonNegative: kind<number>("a non-negative number", (x) => typeof x === "number" && Number.isFinite(x) && x >= 0),
  /** A finite number (a setpoint, a temperature). */
  number: kind<number>("a finite number", (x) => typeof x === "number" && Number.isFinite(x)),
  oneOf: <const V extends readonly (string | number)[]>(...values: V): FieldType<V[number]> => {
    frozen(values);
    return kind(`one of ${values.join(", ")}`, (x) => (typeof x === "string" || typeof x === "number") && values.includes(x));
  },
  nullable: <T>(inner: FieldType<T>): FieldType<T | null> => kind(`${inner.what} or null`, (x) => x === null || inner.is(x)),
  /** A map of unsigned integer ids to numbers, booleans or text (wire members). */
  members: kind<Map<number, number | boolean | string>>("a map of id to value", (x) => x instanceof Map && [...x].every(([k, v]) => typeof k === "number" && Number.isSafeInteger(k) && k >= 0 && ["number", "boolean", "string"].includes(typeof v))),
});

type Schema = Readonly<Record<string, FieldType<unknown>>>;
export type RecordOf<S extends Schema> = { -readonly [K in keyof S]: S[K] extends FieldType<infer T> ? T : never };

/** The value a codec reads and writes: `RecordValue<typeof settingsRecord>`. */
export type RecordValue<C> = C extends RecordCodec<infer S> ? RecordOf<S> : never;

export interface RecordCodec<S extends Schema> {
  readonly name: string;
  readonly version: number;
  encode(value: RecordOf<S>): CborValue;
  /** Checks and decodes a stored record; throws StorageError "record" naming what is wrong. */
  decode(stored: unknown): RecordOf<S>;
  /** Reads `key` (undefined when absent); throws StorageError "record" when what is there is not this record. */
  read(kv: KvStore, key: string): RecordOf<S> | undefined;
  write(kv: KvStore, key: string, value: RecordOf<S>): void;
}

export function defineRecord<const S extends Schema>(name: string, version: number, schema: S): RecordCodec<S> {
  const names = frozen(Object.keys(schema));
  const wrong = (why: string, key?: string): StorageError => new StorageError("record", `${name}: ${why}`, key);
  frozen(schema);
  const codec: RecordCodec<S> = Object.freeze<RecordCodec<S>>({
    name,
    version,
    encode: (value) => [version, ...names.map((n) => value[n] as CborValue)],
    decode(stored) {
      if (!Array.isArray(stored) || typeof stored[0] !== "number") throw wrong("not a versioned record");
      if (stored[0] !== version) throw wrong(`format ${stored[0]} is ${stored[0] > version ? "newer than" : "not"} format ${version}, which this firmware reads`);
      if (stored.length !== names.length + 1) throw wrong(`format ${version} has ${names.length} fields, not ${stored.length - 1}`);
      const out: Record<string, unknown> = {};
      names.forEach((n, i) => {
        const type = schema[n] as FieldType<unknown>;
        const x: unknown = stored[i + 1];
        if (!type.is(x)) throw wrong(`${n} must be ${type.what}`);
        out[n] = x;
      });
      return out as RecordOf<S>;
    },
    read(kv, key) {
      if (!kv.has(key)) return undefined;
      try {
        return codec.decode(kv.getCbor(key));
      } catch (error) {
        if (error instanceof StorageError && error.code === "record") throw new StorageError("record", error.message, key);
        throw error;
      }
    },
    write: (kv, key, value) => kv.setCbor(key, codec.encode(value)),
  });
  return codec;
}
