import { describe, expect, expectTypeOf, it } from "vitest";
import { defineStates, StateMachine, type StateApi } from "../../os/hsm.js";

/**
 * The call sequences of Zephyr's SMF test suites (tests/lib/smf: flat,
 * hierarchical, 5 ancestors, UML HSM), with their termination variants,
 * reproduced as logs of the actions called, in order.
 */

type Tick = { tick: number };
const tick: Tick = { tick: 0 };

/** Runs the machine like the Zephyr tests: start, then `runs` dispatches, stopping at a termination. */
function drive<S extends string>(sm: StateMachine<S, Tick>, initial: S, runs: number): void {
  sm.start(initial);
  for (let i = 0; i < runs && sm.terminatedWith === undefined; i++) sm.dispatch(tick);
}

/** An action that logs its name and then terminates (if it is `terminateAt`) or does `then`. */
function recorder<S extends string>(log: string[], terminateAt: string | undefined) {
  return (name: string, then?: (api: StateApi<S>) => void) =>
    (api: StateApi<S>): void => {
      log.push(name);
      if (name === terminateAt) return api.terminate(-1);
      then?.(api);
    };
}

/** Zephyr's termination cases: the whole sequence, and for each action it terminates in, the sequence up to it. */
function terminations<S extends string>(
  machine: (log: string[], terminateAt?: string) => StateMachine<S, Tick>,
  initial: S,
  runs: number,
  full: string[],
  cuts: readonly string[],
): void {
  it.each([[undefined, full] as const, ...cuts.map((at) => [at, full.slice(0, full.indexOf(at) + 1)] as const)])("terminate at %s", (at, expected) => {
    const log: string[] = [];
    drive(machine(log, at), initial, runs);
    expect(log).toEqual(expected);
  });
}

describe("Zephyr SMF: flat", () => {
  function machine(log: string[], terminateAt?: string) {
    const act = recorder<"a" | "b" | "c" | "d">(log, terminateAt);
    const states = defineStates<Tick>()({
      a: { entry: act("A_ENTRY"), run: (_, api) => act("A_RUN", (x) => x.transition("b"))(api), exit: act("A_EXIT") },
      b: { entry: act("B_ENTRY"), run: (_, api) => act("B_RUN", (x) => x.transition("c"))(api), exit: act("B_EXIT") },
      c: { entry: act("C_ENTRY"), run: (_, api) => act("C_RUN", (x) => x.transition("d"))(api), exit: act("C_EXIT") },
      d: { entry: act("D_ENTRY") },
    });
    return new StateMachine(states);
  }
  const full = ["A_ENTRY", "A_RUN", "A_EXIT", "B_ENTRY", "B_RUN", "B_EXIT", "C_ENTRY", "C_RUN", "C_EXIT", "D_ENTRY"];
  terminations(machine, "a", 3, full, ["A_ENTRY", "B_RUN", "C_EXIT"]);
});

describe("Zephyr SMF: hierarchical", () => {
  type S = "parentAB" | "parentC" | "a" | "b" | "c" | "d";
  function machine(log: string[], terminateAt?: string) {
    const act = recorder<S>(log, terminateAt);
    return new StateMachine(
      defineStates<Tick>()({
        parentAB: { entry: act("PARENT_AB_ENTRY"), run: (_, api) => act("PARENT_AB_RUN", (x) => x.transition("b"))(api), exit: act("PARENT_AB_EXIT") },
        parentC: { entry: act("PARENT_C_ENTRY"), run: () => log.push("PARENT_C_RUN (must not run)"), exit: act("PARENT_C_EXIT") },
        a: { parent: "parentAB", entry: act("A_ENTRY"), run: (_, api) => act("A_RUN")(api), exit: act("A_EXIT") },
        b: { parent: "parentAB", entry: act("B_ENTRY"), run: (_, api) => act("B_RUN", (x) => x.transition("c"))(api), exit: act("B_EXIT") },
        c: { parent: "parentC", entry: act("C_ENTRY"), run: (_, api) => act("C_RUN", (x) => x.transition("d"))(api), exit: act("C_EXIT") },
        d: { entry: act("D_ENTRY") },
      }),
    );
  }
  const full = [
    "PARENT_AB_ENTRY", "A_ENTRY", "A_RUN", "PARENT_AB_RUN", "A_EXIT", "B_ENTRY", "B_RUN", "B_EXIT",
    "PARENT_AB_EXIT", "PARENT_C_ENTRY", "C_ENTRY", "C_RUN", "C_EXIT", "PARENT_C_EXIT", "D_ENTRY",
  ];
  // Zephyr's TEST_*_VALUE_NUM are the indexes of these actions in the sequence.
  terminations(machine, "a", 3, full, ["PARENT_AB_ENTRY", "PARENT_AB_RUN", "PARENT_AB_EXIT", "A_ENTRY", "B_RUN", "C_EXIT"]);
});

describe("Zephyr SMF: 5 ancestors", () => {
  it("enters five ancestors, bubbles a run through all of them, and exits them all", () => {
    const log: string[] = [];
    const act = (name: string, to?: "b" | "c" | "d") => (api: StateApi<"p05" | "p04" | "p03" | "p02" | "p01" | "a" | "b" | "c" | "d">) => {
      log.push(name);
      if (to) api.transition(to);
    };
    const sm = new StateMachine(
      defineStates<Tick>()({
        p05: { entry: act("P05_ENTRY"), run: (_, api) => act("P05_RUN", "c")(api), exit: act("P05_EXIT") },
        p04: { parent: "p05", entry: act("P04_ENTRY"), run: (_, api) => act("P04_RUN")(api), exit: act("P04_EXIT") },
        p03: { parent: "p04", entry: act("P03_ENTRY"), run: (_, api) => act("P03_RUN")(api), exit: act("P03_EXIT") },
        p02: { parent: "p03", entry: act("P02_ENTRY"), run: (_, api) => act("P02_RUN")(api), exit: act("P02_EXIT") },
        p01: { parent: "p02", entry: act("P01_ENTRY"), run: (_, api) => act("P01_RUN")(api), exit: act("P01_EXIT") },
        a: { parent: "p01", entry: act("A_ENTRY"), run: (_, api) => act("A_RUN", "b")(api), exit: act("A_EXIT") },
        b: { parent: "p01", entry: act("B_ENTRY"), run: (_, api) => act("B_RUN")(api), exit: act("B_EXIT") },
        c: { entry: act("C_ENTRY"), run: (_, api) => act("C_RUN", "d")(api), exit: act("C_EXIT") },
        d: { entry: act("D_ENTRY") },
      }),
    );
    drive(sm, "a", 3);
    expect(log).toEqual([
      "P05_ENTRY", "P04_ENTRY", "P03_ENTRY", "P02_ENTRY", "P01_ENTRY", "A_ENTRY", "A_RUN", "A_EXIT",
      "B_ENTRY", "B_RUN", "P01_RUN", "P02_RUN", "P03_RUN", "P04_RUN", "P05_RUN", "B_EXIT", "P01_EXIT",
      "P02_EXIT", "P03_EXIT", "P04_EXIT", "P05_EXIT", "C_ENTRY", "C_RUN", "C_EXIT", "D_ENTRY",
    ]);
    expect(sm.current).toBe("d");
  });
});

describe("Zephyr SMF: UML HSM (initial transitions, self-transition, handled)", () => {
  type S = "root" | "parentAB" | "parentC" | "a" | "b" | "c" | "d";
  function machine(log: string[], terminateAt?: string) {
    let bRuns = 0;
    let cRuns = 0;
    const act = recorder<S>(log, terminateAt);
    return new StateMachine(
      defineStates<Tick>()({
        root: { initial: "parentAB", entry: act("ROOT_ENTRY"), run: (_, api) => act("ROOT_RUN (must not run)")(api), exit: act("ROOT_EXIT (must not run)") },
        parentAB: { parent: "root", initial: "a", entry: act("PARENT_AB_ENTRY"), run: (_, api) => act("PARENT_AB_RUN", (x) => x.transition("c"))(api), exit: act("PARENT_AB_EXIT") },
        parentC: { parent: "root", initial: "c", entry: act("PARENT_C_ENTRY"), run: (_, api) => act("PARENT_C_RUN", (x) => x.transition("parentC"))(api), exit: act("PARENT_C_EXIT") },
        a: { parent: "parentAB", entry: act("A_ENTRY"), run: (_, api) => act("A_RUN", (x) => x.transition("b"))(api), exit: act("A_EXIT") },
        b: {
          parent: "parentAB",
          entry: act("B_ENTRY"),
          run: (_, api) => act(++bRuns === 1 ? "B_1ST_RUN" : "B_2ND_RUN", (x) => (bRuns === 1 ? x.handled() : undefined))(api),
          exit: act("B_EXIT"),
        },
        c: {
          parent: "parentC",
          entry: act("C_ENTRY"),
          run: (_, api) => act(++cRuns === 1 ? "C_1ST_RUN" : "C_2ND_RUN", (x) => (cRuns === 1 ? undefined : x.transition("d")))(api),
          exit: act("C_EXIT"),
        },
        d: { parent: "root", entry: act("D_ENTRY") },
      }),
    );
  }
  const full = [
    "ROOT_ENTRY", "PARENT_AB_ENTRY", "A_ENTRY", // initial transitions
    "A_RUN", "A_EXIT", "B_ENTRY", // run 0
    "B_1ST_RUN", // run 1: handled, the parent does not run
    "B_2ND_RUN", "PARENT_AB_RUN", "B_EXIT", "PARENT_AB_EXIT", "PARENT_C_ENTRY", "C_ENTRY", // run 2
    "C_1ST_RUN", "PARENT_C_RUN", "C_EXIT", "PARENT_C_EXIT", "PARENT_C_ENTRY", "C_ENTRY", // run 3: self-transition
    "C_2ND_RUN", "C_EXIT", "PARENT_C_EXIT", "D_ENTRY", // run 4
  ];
  // As in Zephyr, each termination cuts the sequence at the index of the action (TEST_*_VALUE_NUM).
  terminations(machine, "parentAB", 5, full, ["PARENT_AB_ENTRY", "PARENT_AB_RUN", "PARENT_AB_EXIT", "A_ENTRY", "B_1ST_RUN", "C_EXIT"]);
});

describe("state machine typing and misuse", () => {
  const states = defineStates<{ type: "go" } | { type: "stop" }>()({
    idle: { run: (e, api) => (e.type === "go" ? api.transition("busy") : undefined) },
    busy: { run: (e, api) => (e.type === "stop" ? api.transition("idle") : undefined) },
  });

  it("types state names and events", () => {
    const sm = new StateMachine(states);
    // @ts-expect-error no such state
    expect(() => sm.start("sleeping")).toThrow();
    sm.start("idle");
    // @ts-expect-error no such event
    sm.dispatch({ type: "jump" });
    expectTypeOf(sm.current).toEqualTypeOf<"idle" | "busy">();
    defineStates<{ type: "go" }>()({
      // @ts-expect-error a transition to an unknown state
      x: { run: (_, api) => api.transition("nowhere") },
    });
  });

  it("refuses transitions from entry and exit actions, and bad definitions", () => {
    const sm = new StateMachine(defineStates<Tick>()({ s: { entry: (api) => api.transition("s") } }));
    expect(() => sm.start("s")).toThrow(/only a run action may transition \(not entry\)/);
    expect(() => new StateMachine(defineStates<Tick>()({ s: { initial: "t" }, t: {} }))).toThrow(/must be a child of s/);
    expect(() => new StateMachine(defineStates<Tick>()({ s: { parent: "t" }, t: { parent: "s" } }))).toThrow(/cycle/);
  });
});
