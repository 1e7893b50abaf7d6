import { describe, expect, it } from "vitest";
import { app } from "../../examples/aircon/app.js";
import type { AirconModel } from "../../examples/aircon/model.js";
import { VirtualClock } from "../../os/index.js";
import { type FirmwareContext } from "../../sdk/index.js";
import { defineApp } from "../../sdk/desk/sim/index.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";

const WATCHDOG_MS = 4000;
const TICK_MS = 1000;

type Hang = "no-check-in" | "never-resolving promise" | "budget overrun";

/** The aircon firmware plus a task that misbehaves from `hangAt` on, in the chosen way. */
function hangingApp(hang: Hang, hangAt: number, seen: { reasons: string[] }) {
  return defineApp({
    ...app,
    firmware: (ctx: FirmwareContext<AirconModel>) => {
      seen.reasons.push(ctx.boot.resetReason);
      app.firmware(ctx);
      if (ctx.boot.count > 1) return; // the hang was in the first boot; the second runs clean
      ctx.kernel.setBudget("hang", 5);
      const task = ctx.watchdog.register("hang", 2000);
      ctx.kernel.every(500, async () => {
        if (ctx.kernel.now() >= hangAt) {
          if (hang === "no-check-in") return;
          if (hang === "never-resolving promise") await new Promise(() => undefined);
          if (hang === "budget overrun") {
            const end = performance.now() + 30;
            while (performance.now() < end); // 30 ms of CPU in a 5 ms budget
          }
        }
        task.checkIn();
      }, { task: "hang" });
    },
  });
}

describe("task watchdog and the hardware watchdog", () => {
  for (const hang of ["no-check-in", "never-resolving promise", "budget overrun"] as const) {
    it(`${hang}: reset within the reload period plus one tick, every time; the reason survives`, () => {
      for (let i = 0; i < 20; i++) {
        const hangAt = 10_000 + i * 1_337;
        const seen = { reasons: [] as string[] };
        const clock = new VirtualClock();
        const sim = new HostEngineBoard(hangingApp(hang, hangAt, seen), {
          clock,
          seed: i + 1,
          watchdogMs: WATCHDOG_MS,
          tickMs: TICK_MS,
          // Budgets are measured in real CPU time: only the budget case measures, and other
          // tasks get a budget no GC pause on a shared machine reaches.
          ...(hang === "budget overrun" ? { cpuTime: () => performance.now(), budgetMs: 250 } : {}),
        });
        clock.runFor(hangAt + 20_000);
        expect(sim.resets.map((r) => r.reason)).toEqual(["watchdog"]);
        const [reset] = sim.resets;
        expect(reset!.at - reset!.lastFedAt).toBeLessThanOrEqual(WATCHDOG_MS + TICK_MS);
        expect(reset!.at).toBeGreaterThan(hangAt);
        expect(seen.reasons).toEqual(["powerOn", "watchdog"]);
        expect(sim.h1.resetReason).toBe("watchdog");
        // The rebooted firmware runs and feeds again: no second reset.
        expect(sim.device.get("error")).toBe(0);
      }
    });
  }

  it("a healthy firmware is never reset over a simulated day", () => {
    const clock = new VirtualClock();
    const sim = new HostEngineBoard(app, { clock, seed: 5, watchdogMs: WATCHDOG_MS });
    clock.runFor(86_400_000);
    expect(sim.resets).toEqual([]);
  });

  it("a software restart boots again with reason software", () => {
    const clock = new VirtualClock();
    let chip: FirmwareContext<AirconModel>["chip"] | undefined;
    const sim = new HostEngineBoard(defineApp({ ...app, firmware: (ctx) => ((chip = ctx.chip), app.firmware(ctx)) }), { clock });
    clock.runFor(5000);
    chip!.restart();
    clock.runFor(1000);
    expect(sim.resets.map((r) => r.reason)).toEqual(["software"]);
    expect(chip!.resetReason).toBe("software");
  });
});

describe("a synchronous infinite loop (board in a worker thread)", () => {
  it("is reset by the hardware watchdog within its period plus one tick, and boots with reason watchdog", async () => {
    // Worker threads run built JavaScript: `npm test` builds before it runs the tests.
    const built = new URL("../../dist/sdk/desk/node/host/board-in-worker.js", import.meta.url).href;
    const { runBoardInWorker } = (await import(built)) as typeof import("../../sdk/desk/node/host/board-in-worker.js");
    const appUrl = new URL("../../dist/test/support/sync-hang-app.js", import.meta.url).href;
    const result = await runBoardInWorker({ appUrl, durationMs: 60_000, watchdogMs: WATCHDOG_MS, tickMs: TICK_MS, stallMs: 2000 });
    expect(result.resets.map((r) => r.reason)).toEqual(["watchdog"]);
    const reset = result.resets[0]!;
    expect(reset.at).toBeGreaterThan(20_000);
    expect(reset.at - reset.lastFedAt!).toBeLessThanOrEqual(WATCHDOG_MS + TICK_MS);
    expect(result.boots).toBe(2);
    expect(result.endedAt).toBe(60_000); // the second boot ran to the end
  });

  it("is not reset while its app is still loading on a busy host: silence counts only once the MCU runs", async () => {
    const built = new URL("../../dist/sdk/desk/node/host/board-in-worker.js", import.meta.url).href;
    const { runBoardInWorker } = (await import(built)) as typeof import("../../sdk/desk/node/host/board-in-worker.js");
    const appUrl = new URL("../../dist/test/support/slow-load-app.js", import.meta.url).href;
    const result = await runBoardInWorker({ appUrl, durationMs: 10_000, watchdogMs: WATCHDOG_MS, tickMs: TICK_MS, stallMs: 500 });
    expect(result.resets).toEqual([]);
    expect(result.boots).toBe(1);
    expect(result.endedAt).toBe(10_000);
  });
});
