import { describe, expect, it } from "vitest";
import { FlashError, FlashRegion } from "../../hal/flash.js";
import { SimFlash } from "../../hal/sim/flash.js";

const geometry = { sizeBytes: 4 * 512, sectorBytes: 512, programBytes: 16, endurance: 3 };

function kind(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlashError);
    return (error as FlashError).kind;
  }
  return "none";
}

describe("NOR flash model", () => {
  it("erases to 0xFF, programs only clear bits, in whole aligned units within a sector", () => {
    const f = new SimFlash(geometry);
    f.program(0, new Uint8Array(16).fill(0x0f));
    expect(f.read(0, 2)).toEqual(Uint8Array.of(0x0f, 0x0f));
    f.program(0, new Uint8Array(16).fill(0x07)); // clears one more bit: allowed
    expect(kind(() => f.program(0, new Uint8Array(16).fill(0x1f)))).toBe("not-erased");
    expect(f.nonErasedPrograms).toBe(1);
    expect(f.read(0, 1)[0]).toBe(0x07); // the refused program changed nothing
    expect(kind(() => f.program(8, new Uint8Array(16)))).toBe("misaligned");
    expect(kind(() => f.program(0, new Uint8Array(8)))).toBe("misaligned");
    expect(kind(() => f.program(496, new Uint8Array(32)))).toBe("out-of-range");
    f.erase(0);
    expect(f.read(0, 16).every((b) => b === 0xff)).toBe(true);
    expect(f.eraseCounts[0]).toBe(1);
  });

  it("wears out: erases beyond the endurance fail", () => {
    const f = new SimFlash(geometry);
    for (let i = 0; i < 3; i++) f.erase(1);
    expect(kind(() => f.erase(1))).toBe("erase-failed");
  });

  it("a power cut after k operations keeps exactly those; a torn program keeps a prefix", () => {
    const f = new SimFlash(geometry);
    f.cutPowerAfter(1, { keepBytes: 16, rest: "erased" });
    f.program(0, new Uint8Array(16));
    expect(kind(() => f.program(16, new Uint8Array(32)))).toBe("power-cut");
    expect(kind(() => f.read(0, 1))).toBe("power-cut");
    f.powerOn();
    expect(f.read(0, 16).every((b) => b === 0)).toBe(true);
    expect(f.read(16, 16).every((b) => b === 0)).toBe(true); // the kept prefix
    expect(f.read(32, 16).every((b) => b === 0xff)).toBe(true); // the rest never made it
    expect(f.ops).toBe(1);
  });

  it("bad sectors misbehave as told: loudly, or silently", () => {
    const f = new SimFlash(geometry);
    f.setBadSector(0, "program-error");
    f.setBadSector(1, "program-noop");
    f.setBadSector(2, "erase-noop");
    f.setBadSector(3, "read-error");
    expect(kind(() => f.program(0, new Uint8Array(16)))).toBe("program-failed");
    f.program(512, new Uint8Array(16)); // says nothing ...
    expect(f.read(512, 1)[0]).toBe(0xff); // ... and did nothing
    f.setBadSector(2, undefined);
    f.program(1024, new Uint8Array(16));
    f.setBadSector(2, "erase-noop");
    f.erase(2);
    expect(f.read(1024, 1)[0]).toBe(0); // not erased
    expect(kind(() => f.read(1536, 1))).toBe("read-failed");
  });

  it("a region is a sector-aligned window, and refuses what lies outside it", () => {
    const f = new SimFlash(geometry);
    const region = new FlashRegion(f, 1024, 1024);
    region.program(0, new Uint8Array(16));
    expect(f.read(1024, 1)[0]).toBe(0);
    region.erase(0);
    expect(f.eraseCounts[2]).toBe(1);
    expect(kind(() => region.read(1020, 8))).toBe("out-of-range");
    expect(kind(() => region.erase(2))).toBe("out-of-range");
    expect(() => new FlashRegion(f, 100, 512)).toThrow(/not sector aligned/);
  });
});
