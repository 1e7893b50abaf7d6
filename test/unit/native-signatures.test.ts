import { describe, expect, it } from "vitest";
import { NATIVE_SIGNATURES, type NativeSignatures } from "../../hal/native.js";

/**
 * The native binding is declared once (hal/native.ts): the table engines
 * number calls by is checked against the interface at compile time. These
 * drifts must not compile (`npm test` type-checks before it runs); if one
 * did, its @ts-expect-error would itself be the error.
 */
describe("the native signature table follows the NativeBinding interface", () => {
  it("a wrong kind, a missing function, a parameter too many or too few: each a compile error", () => {
    const wrongKind = { ...NATIVE_SIGNATURES, setWake: ["s"] } as const;
    // @ts-expect-error setWake takes a number, not a string
    wrongKind satisfies NativeSignatures;
    const { log: _log, ...missing } = NATIVE_SIGNATURES;
    // @ts-expect-error log is missing
    missing satisfies NativeSignatures;
    const tooMany = { ...NATIVE_SIGNATURES, flashErase: ["n", "n"] } as const;
    // @ts-expect-error flashErase takes one parameter
    tooMany satisfies NativeSignatures;
    const tooFew = { ...NATIVE_SIGNATURES, ioWrite: ["n"] } as const;
    // @ts-expect-error ioWrite takes a handle and a number or bytes
    tooFew satisfies NativeSignatures;
    expect([wrongKind, missing, tooMany, tooFew].every((t) => typeof t === "object")).toBe(true);
  });
});
