import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HearthError } from "../../sdk/index.js";
import { decodeMessage, encodeMessage } from "../../sdk/protocol/envelope.js";
import { badFrame } from "../support/frames.js";

/** Moved from the unit envelope test (it takes a dozen seconds): the decoder under 100,000 bad frames. */
describe("envelope fuzz", () => {
  it("fuzz, 100,000 cases: random bytes and mutated frames give a HearthError or a valid message, never anything else", () => {
    fc.assert(
      fc.property(badFrame, (frame) => {
        try {
          const m = decodeMessage(frame);
          expect(decodeMessage(encodeMessage(m))).toEqual(m);
        } catch (error) {
          expect(error).toBeInstanceOf(HearthError);
          expect(["malformed", "unknown-message"]).toContain((error as HearthError).code);
        }
      }),
      { numRuns: 100_000 },
    );
  });

});
