import { describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import type { ApplianceApp } from "../../sdk/desk/sim/app.js";
import type { ModelSpec } from "../../sdk/thing/model.js";
import { runFleet } from "../../sdk/desk/node/host/fleet.js";
import { embeddedBroker, outsideBroker, uniqueId, type TestBroker } from "../support/brokers.js";

function fleetOf200(broker: TestBroker): void {
  describe(`a fleet of 200 air conditioners through ${broker.name}`, () => {
    it("all connect, all report, and the summary's counts are what the cloud side received", async () => {
      await broker.start();
      try {
        const summary = await runFleet({
          app: app as unknown as ApplianceApp<ModelSpec>,
          count: 200,
          brokerUrl: broker.url(),
          speed: 10,
          seed: 5,
          connectPerS: 400,
          durationMs: 60_000,
          idPrefix: uniqueId("fleet"),
        });
        expect(summary.online).toBe(200);
        expect(summary.reportsReceived).toBe(summary.reportsMade);
        expect(summary.reportsMade).toBeGreaterThanOrEqual(200 * (60_000 / 10_000)); // a full report every 10 s, at least
        expect(summary.sets.sent).toBe(200);
        expect(summary.sets.answered).toBe(200);
        expect(summary.errors).toEqual({ refused: 0, malformed: 0, failedSets: 0 });
        expect(summary.connectPerS).toBeGreaterThan(0);
      } finally {
        await broker.stop();
      }
    }, 120_000);
  });
}

fleetOf200(embeddedBroker());
const outside = outsideBroker();
if (outside !== undefined) fleetOf200(outside);
