import { describe, expect, it } from "vitest";
import { engineTrace } from "../support/engine-trace.js";
import { engineCase, skewedXs } from "../support/engines-case.js";

engineCase("fridge");
engineCase("washer");

describe("the trace comparison can fail", () => {
  it("an XS binding that reads analog inputs one count high gives another trace than QuickJS", async () => {
    const quickjs = await engineTrace("aircon", "quickjs", 3_600_000);
    const skewed = await engineTrace("aircon", "xs", 3_600_000, { xs: skewedXs });
    expect(skewed.lines).toBeGreaterThan(100);
    expect(skewed.hash).not.toBe(quickjs.hash);
  }, 300_000);
});
