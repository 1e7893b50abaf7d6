/**
 * `value`, its objects and arrays frozen all the way down, and returned.
 * Functions are left as they are (XS's linker freezes them itself), and so
 * are typed arrays, ArrayBuffers, Maps and Sets (freezing does not stop
 * their contents changing).
 *
 * For the tables an image defines as its module loads (its thing model, the
 * protocol's messages, its board, its record formats): they never change,
 * and saying so lets Moddable's XS linker keep them in flash alone. An
 * object a preloaded module made that is not frozen costs an alias pointer
 * in RAM at every boot, and a copy in RAM if it is written to
 * (hal/moddable/README.md, "Preloaded modules").
 */
export function frozen<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Map || value instanceof Set) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    const property = Object.getOwnPropertyDescriptor(value, key);
    if (property !== undefined && "value" in property) frozen(property.value as unknown);
  }
  return value;
}
