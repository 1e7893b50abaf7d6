import fc from "fast-check";
import { HearthError } from "../../sdk/thing/errors.js";
import { decodeMessage, encodeMessage } from "../../sdk/protocol/envelope.js";
import { badFrame } from "../support/frames.js";
import { report } from "./table.js";

/** 1,000,000 bad frames through the decoder, outside `npm test`: `npm run bench -- fuzz`. */
export function fuzzMillion(): void {
  const runs = 1_000_000;
  const heapBefore = process.memoryUsage().heapUsed;
  let valid = 0;
  let refused = 0;
  let slowestMs = 0;
  const started = performance.now();
  fc.assert(
    fc.property(badFrame, (frame) => {
      const t0 = performance.now();
      try {
        const m = decodeMessage(frame);
        decodeMessage(encodeMessage(m));
        valid++;
      } catch (error) {
        if (!(error instanceof HearthError)) throw error;
        refused++;
      }
      slowestMs = Math.max(slowestMs, performance.now() - t0);
    }),
    { numRuns: runs, seed: 1 },
  );
  report(
    "fuzz",
    {
      cases: runs,
      valid,
      refused_typed: refused,
      crashes: runs - valid - refused,
      slowest_case_ms: Number(slowestMs.toFixed(3)),
      heap_growth_mib: Number(((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1)),
      seconds: Math.round((performance.now() - started) / 1000),
    },
    { crashes: "anything but a valid message or a HearthError" },
  );
}
