/**
 * Hierarchical state machines, in the manner of Zephyr's SMF with UML rules:
 * states with entry / run / exit, parents that run what a child leaves
 * unhandled, initial transitions into nested states, and transitions resolved
 * through the least common ancestor. State names and events are typed: an
 * unknown state does not compile.
 *
 * Transition rules, for a transition requested by the run action of state S
 * (the source) to state T (the target):
 * - T is S: an external self-transition: S and everything active below it exit, then S is entered again.
 * - T is below S: a local transition: S stays; what is active below S exits.
 * - T is above S: T itself exits and is entered again.
 * - otherwise: everything below the least common ancestor of S and T exits.
 * Exits run from the active leaf upward; entries from the top down to T, then
 * down T's chain of `initial` children.
 */

export interface StateApi<S extends string> {
  /** From a run action only: move to `to` once this run action returns. */
  transition(to: S): void;
  /** From a run action: the event is dealt with; parents do not run. */
  handled(): void;
  /** Stops the machine now: no further action runs; `dispatch` returns the code. */
  terminate(code: number): void;
}

export interface StateDef<S extends string, E> {
  parent?: S;
  /** Entered after this state whenever a transition ends here. */
  initial?: S;
  entry?: (api: StateApi<S>) => void;
  run?: (event: E, api: StateApi<S>) => void;
  exit?: (api: StateApi<S>) => void;
}

export type StateDefs<S extends string, E> = { readonly [K in S]: StateDef<S, E> };

/**
 * Fixes the event type, then takes the states and keeps their names as a
 * type: a parent, initial or transition naming a state not defined here does
 * not compile.
 */
export function defineStates<E>() {
  return <K extends string>(defs: { readonly [P in K]: StateDef<NoInfer<K>, E> }): StateDefs<K, E> => defs;
}

type Phase = "idle" | "entry" | "run" | "exit";

export class StateMachine<S extends string, E> {
  private leaf: S | undefined;
  private pending: S | undefined;
  private handledFlag = false;
  private phase: Phase = "idle";
  private terminated: number | undefined;
  private readonly api: StateApi<S>;

  constructor(private readonly defs: StateDefs<S, E>) {
    for (const [name, def] of Object.entries(defs) as [S, StateDef<S, E>][]) {
      if (def.parent !== undefined && !(def.parent in defs)) throw new Error(`state ${name}: unknown parent ${def.parent}`);
      if (def.initial !== undefined && defs[def.initial]?.parent !== name) {
        throw new Error(`state ${name}: initial ${def.initial} must be a child of ${name}`);
      }
      const seen = new Set<string>();
      for (let s: S | undefined = name; s !== undefined; s = defs[s].parent) {
        if (seen.has(s)) throw new Error(`state ${name}: its parents form a cycle`);
        seen.add(s);
      }
    }
    this.api = {
      transition: (to) => {
        if (this.phase !== "run") throw new Error(`transition to ${to}: only a run action may transition (not ${this.phase})`);
        if (!(to in this.defs)) throw new Error(`transition to unknown state ${to}`);
        this.pending = to;
      },
      handled: () => {
        this.handledFlag = true;
      },
      terminate: (code) => {
        this.terminated = code;
      },
    };
  }

  /** The active leaf state. */
  get current(): S {
    if (this.leaf === undefined) throw new Error("state machine not started");
    return this.leaf;
  }

  /** Whether `state` is active: the leaf or one of its ancestors. */
  is(state: S): boolean {
    for (let s = this.leaf; s !== undefined; s = this.defs[s].parent) if (s === state) return true;
    return false;
  }

  get terminatedWith(): number | undefined {
    return this.terminated;
  }

  /** Enters `state` from nothing: its ancestors top-down, the state, then its initial chain. */
  start(state: S): void {
    if (!(state in this.defs)) throw new Error(`start: unknown state ${state}`);
    this.leaf = undefined;
    this.terminated = undefined;
    this.enterDown(this.path(state), 0);
  }

  /**
   * Runs the event through the active leaf and up its parents until one
   * transitions or calls handled(). Returns the termination code, or 0.
   */
  dispatch(event: E): number {
    if (this.terminated !== undefined) return this.terminated;
    if (this.leaf === undefined) throw new Error("state machine not started");
    for (let s: S | undefined = this.leaf; s !== undefined; s = this.defs[s].parent) {
      const run = this.defs[s].run;
      if (run === undefined) continue;
      this.pending = undefined;
      this.handledFlag = false;
      this.phase = "run";
      try {
        run(event, this.api);
      } finally {
        this.phase = "idle";
      }
      if (this.terminated !== undefined) return this.terminated;
      const target = this.pending;
      if (target !== undefined) {
        this.pending = undefined;
        this.move(s, target);
        return this.terminated ?? 0;
      }
      if (this.handledFlag) return 0;
    }
    return 0;
  }

  private move(source: S, target: S): void {
    const targetPath = this.path(target);
    const sourcePath = this.path(source);
    let stop: S | undefined; // exits go up to, not including, this state
    if (target === source) stop = this.defs[source].parent;
    else if (targetPath.includes(source)) stop = source;
    else if (sourcePath.includes(target)) stop = this.defs[target].parent;
    else stop = lastCommon(sourcePath, targetPath);
    for (let s = this.leaf; s !== undefined && s !== stop; s = this.defs[s].parent) {
      this.act("exit", s);
      if (this.terminated !== undefined) return;
      this.leaf = this.defs[s].parent;
    }
    this.enterDown(targetPath, stop === undefined ? 0 : targetPath.indexOf(stop) + 1);
  }

  /** Enters path[from..] then the last one's initial chain. */
  private enterDown(path: S[], from: number): void {
    for (let i = from; i < path.length; i++) {
      const s = path[i] as S;
      this.leaf = s;
      this.act("entry", s);
      if (this.terminated !== undefined) return;
    }
    for (let next = this.defs[this.leaf as S].initial; next !== undefined; next = this.defs[next].initial) {
      this.leaf = next;
      this.act("entry", next);
      if (this.terminated !== undefined) return;
    }
  }

  private act(phase: "entry" | "exit", s: S): void {
    const action = this.defs[s][phase];
    if (action === undefined) return;
    this.phase = phase;
    try {
      action(this.api);
    } finally {
      this.phase = "idle";
    }
  }

  /** Root first, `state` last. */
  private path(state: S): S[] {
    const out: S[] = [];
    for (let s: S | undefined = state; s !== undefined; s = this.defs[s].parent) out.unshift(s);
    return out;
  }
}

function lastCommon<S>(a: readonly S[], b: readonly S[]): S | undefined {
  let common: S | undefined;
  for (let i = 0; i < a.length && i < b.length && a[i] === b[i]; i++) common = a[i];
  return common;
}
