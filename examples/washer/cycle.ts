import { defineStates, StateMachine, type StateApi, frozen } from "../../sdk/index.js";
import { PROGRAMS } from "./programs.js";
import { newProgress, type Progress, type Stage } from "./progress.js";
import type { Run } from "./programs.js";

/** What the washer senses, once a tick. */
export interface Sensed {
  waterL: number;
  /** Undefined when the water thermistor is open or shorted. */
  waterC: number | undefined;
  rpm: number;
  /** Phase-current ripple, 0..1 of full scale: how unbalanced the load turns. */
  ripple: number;
  locked: boolean;
  doorShut: boolean;
}

/** What the cycle wants the actuators to do; the firmware applies it after each dispatch. */
export interface Outputs {
  inlet: boolean;
  drain: boolean;
  heater: boolean;
  drumRpm: number;
}

export type CycleEvent = { kind: "tick"; dtMs: number; sensed: Sensed } | { kind: "pause" } | { kind: "resume" } | { kind: "cancel" };

/** What the cycle tells the firmware about. */
export interface CycleListener {
  /** The stage changed or a stage made progress worth keeping: persist it. */
  save(progress: Progress | undefined): void;
  fault(code: number): void;
  imbalance(tries: number, spin: number): void;
  finished(minutes: number, spin: number): void;
}

export const WasherFault = frozen({ noWater: 1, noDrain: 2, waterSensor: 3, doorLock: 4, drumMotor: 5 } as const);

const EMPTY_L = 0.3;
const FILL_TIMEOUT_MS = 10 * 60_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;
const LOCK_TIMEOUT_MS = 15_000;
const HEAT_TIMEOUT_MS = 60 * 60_000;
/** The drain pump runs on this long after the level reads empty, for the sump. */
const DRAIN_AFTER_EMPTY_MS = 20_000;
const TUMBLE_RPM = 50;
const BALANCE_RPM = 95;
const RAMP_RPM_PER_S = 40;
const BALANCE_TRIES = 3;
/** Save progress at least this often within a stage: a power cut loses at most this much. */
const SAVE_EVERY_MS = 30_000;

/**
 * The fastest spin a load that makes `ripple` may take. A washer measures
 * the load's imbalance while the drum turns just fast enough to hold it
 * (95 rpm) and allows less speed the worse it is; 0 means no spin at all.
 */
export function allowedSpin(ripple: number): number {
  if (ripple <= 0.25) return 1400;
  if (ripple <= 0.4) return 1000;
  if (ripple <= 0.55) return 800;
  if (ripple <= 0.7) return 600;
  if (ripple <= 0.85) return 400;
  return 0;
}

type State = "idle" | "cycle" | "locking" | Stage | "spin" | "paused" | "cancelling" | "done";

/** How the model names each state (the spin's substates all show as spinning). */
const SHOWN = frozen({
  idle: "idle",
  cycle: "locking",
  locking: "locking",
  fill: "filling",
  heat: "heating",
  wash: "washing",
  drain: "draining",
  rinse: "rinsing",
  paused: "paused",
  cancelling: "cancelling",
  done: "done",
} as const);

/**
 * The wash program as a hierarchical state machine:
 *
 *   idle ── start ─▶ cycle [locking → fill → heat → wash → drain → (fill → rinse → drain)×n → spin [balance ⟲ → ramp → hold → brake]] → done
 *   cycle ── pause ─▶ paused ── resume ─▶ locking → the stage it left
 *   cycle, paused ── cancel ─▶ cancelling (drain) → idle
 *
 * Every stage keeps its elapsed time in `progress`, so a resume (after a pause or a
 * power cut) carries on where the stage stopped rather than starting it again.
 */
export class WashCycle {
  readonly out: Outputs = { inlet: false, drain: false, heater: false, drumRpm: 0 };
  progress: Progress | undefined;
  private readonly machine: StateMachine<State, CycleEvent>;
  private sensed: Sensed = { waterL: 0, waterC: 20, rpm: 0, ripple: 0, locked: false, doorShut: true };
  private lockingMs = 0;
  private emptyMs = 0;
  private ripples: number[] = [];
  private lastSaveMs = 0;

  constructor(private readonly listener: CycleListener) {
    this.machine = new StateMachine(this.states());
  }

  /** Starts from nothing, or carries on a run a power cut interrupted. */
  begin(saved: Progress | undefined): void {
    this.progress = saved;
    this.machine.start(saved === undefined ? "idle" : saved.paused ? "paused" : "locking");
  }

  start(run: Run): void {
    this.progress = newProgress(run);
    this.listener.save(this.progress);
    this.machine.start("locking");
  }

  dispatch(event: CycleEvent): void {
    if (event.kind === "tick") {
      this.sensed = event.sensed;
      const p = this.progress;
      if (p !== undefined && this.machine.is("cycle") && !this.machine.is("locking")) {
        p.stageMs += event.dtMs;
        p.elapsedMs += event.dtMs;
      }
    }
    this.machine.dispatch(event);
    const p = this.progress;
    if (p !== undefined && this.machine.is("cycle") && p.stageMs - this.lastSaveMs >= SAVE_EVERY_MS) this.save();
  }

  /** The state as the model names it. */
  get state(): (typeof SHOWN)[keyof typeof SHOWN] | "spinning" {
    if (this.machine.is("spin")) return "spinning";
    return SHOWN[this.machine.current as Exclude<State, "spin" | "balance" | "ramp" | "hold" | "brake">];
  }

  /** The door must stay locked: a run is on, or there is water in the drum, or it turns. */
  get mustLock(): boolean {
    return this.machine.is("cycle") || this.sensed.waterL > EMPTY_L || this.sensed.rpm > 0;
  }

  get running(): boolean {
    return this.machine.is("cycle") || this.machine.is("cancelling");
  }

  private save(): void {
    this.lastSaveMs = this.progress?.stageMs ?? 0;
    this.listener.save(this.progress);
  }

  private set(out: Partial<Outputs>): void {
    Object.assign(this.out, { inlet: false, drain: false, heater: false, drumRpm: 0 }, out);
  }

  /** Enters a working stage: its clock restarts unless it is the stage a resume carries on. */
  private enter(stage: Stage): void {
    const p = this.progress as Progress;
    if (p.stage !== stage) {
      p.stage = stage;
      p.stageMs = 0;
    }
    this.save();
  }

  private next(api: StateApi<State>, stage: Stage): void {
    const p = this.progress as Progress;
    p.stage = stage;
    p.stageMs = 0;
    api.transition(stage);
  }

  private stopOn(api: StateApi<State>, code: number): void {
    this.listener.fault(code);
    api.transition("paused");
  }

  /** Turning a while, resting a while, as the program's tumble rhythm says. */
  private tumble(): number {
    const p = this.progress as Progress;
    const [turn, rest] = PROGRAMS[p.run.program].tumble;
    return (p.stageMs / 1000) % (turn + rest) < turn ? TUMBLE_RPM : 0;
  }

  private states() {
    const fillL = (): number => PROGRAMS[(this.progress as Progress).run.program].fillL;
    const program = () => PROGRAMS[(this.progress as Progress).run.program];
    const p = (): Progress => this.progress as Progress;
    return defineStates<CycleEvent>()({
      idle: {
        entry: () => this.set({}),
        // Water left after a power cut mid-cancel: pump it out, so the door can open.
        run: (e) => {
          if (e.kind === "tick") this.set({ drain: this.sensed.waterL > EMPTY_L });
        },
      },
      cycle: {
        run: (e, api) => {
          if (e.kind === "pause") api.transition("paused");
          else if (e.kind === "cancel") api.transition("cancelling");
        },
      },
      locking: {
        parent: "cycle",
        entry: () => {
          this.lockingMs = 0;
          this.set({});
        },
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.lockingMs += e.dtMs;
          if (this.sensed.locked && this.sensed.doorShut) {
            // A spin stopped by a pause or a power cut has let the load fall: it must balance again.
            const stage = p().stage;
            if (stage === "ramp" || stage === "hold") this.next(api, "balance");
            else api.transition(stage);
          }
          else if (this.lockingMs >= LOCK_TIMEOUT_MS) this.stopOn(api, WasherFault.doorLock);
        },
      },
      fill: {
        parent: "cycle",
        entry: () => this.enter("fill"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.set({ inlet: true });
          if (this.sensed.waterL >= fillL()) this.next(api, p().washed ? "rinse" : p().run.temperatureC > 20 ? "heat" : "wash");
          else if (p().stageMs >= FILL_TIMEOUT_MS) this.stopOn(api, WasherFault.noWater);
        },
      },
      heat: {
        parent: "cycle",
        entry: () => this.enter("heat"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          const c = this.sensed.waterC;
          if (c === undefined) {
            // Heating blind could boil the drum: carry on cold, and say why.
            this.listener.fault(WasherFault.waterSensor);
            this.next(api, "wash");
          } else if (c >= p().run.temperatureC || p().stageMs >= HEAT_TIMEOUT_MS) {
            this.next(api, "wash");
          } else {
            // Only a covered element heats; a slow tumble mixes the water.
            this.set({ heater: this.sensed.waterL >= fillL() * 0.8, inlet: this.sensed.waterL < fillL() * 0.8, drumRpm: this.tumble() });
          }
        },
      },
      wash: {
        parent: "cycle",
        entry: () => this.enter("wash"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          const c = this.sensed.waterC;
          const keepWarm = c !== undefined && c < p().run.temperatureC - 3 && this.sensed.waterL >= fillL() * 0.8;
          this.set({ heater: keepWarm, drumRpm: this.tumble() });
          if (p().stageMs >= program().washMin * 60_000) {
            p().washed = true;
            this.next(api, "drain");
          }
        },
      },
      drain: {
        parent: "cycle",
        entry: () => {
          this.emptyMs = 0;
          this.enter("drain");
        },
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.set({ drain: true });
          this.emptyMs = this.sensed.waterL <= EMPTY_L ? this.emptyMs + e.dtMs : 0;
          if (this.emptyMs >= DRAIN_AFTER_EMPTY_MS) this.next(api, p().rinsesDone < program().rinses ? "fill" : "balance");
          else if (p().stageMs >= DRAIN_TIMEOUT_MS) this.stopOn(api, WasherFault.noDrain);
        },
      },
      rinse: {
        parent: "cycle",
        entry: () => this.enter("rinse"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.set({ drumRpm: this.tumble() });
          if (p().stageMs >= program().rinseMin * 60_000) {
            p().rinsesDone++;
            this.next(api, "drain");
          }
        },
      },
      // The pump runs through the whole spin: water keeps leaving the laundry.
      spin: { parent: "cycle", initial: "balance" },
      balance: {
        parent: "spin",
        entry: () => {
          this.ripples = [];
          this.enter("balance");
        },
        run: (e, api) => {
          if (e.kind !== "tick") return;
          // Let the load fall (the drum stops), lift it at holding speed, then measure for six seconds.
          const s = p().stageMs / 1000;
          this.set({ drain: true, drumRpm: s < 4 ? 0 : BALANCE_RPM });
          if (s >= 14 && this.sensed.rpm >= BALANCE_RPM - 10) this.ripples.push(this.sensed.ripple);
          if (s < 20 || this.ripples.length === 0) return;
          const allowed = allowedSpin(this.ripples.reduce((a, b) => a + b, 0) / this.ripples.length);
          if (allowed >= p().spinTarget) {
            this.next(api, "ramp");
          } else if (++p().tries < BALANCE_TRIES) {
            p().stageMs = 0;
            api.transition("balance");
          } else {
            p().spinTarget = allowed;
            this.listener.imbalance(p().tries, allowed);
            this.next(api, allowed === 0 ? "brake" : "ramp");
          }
        },
      },
      ramp: {
        parent: "spin",
        entry: () => this.enter("ramp"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          const target = p().spinTarget;
          this.set({ drain: true, drumRpm: Math.min(target, BALANCE_RPM + (RAMP_RPM_PER_S * p().stageMs) / 1000) });
          if (this.sensed.rpm >= target - 20) this.next(api, "hold");
        },
      },
      hold: {
        parent: "spin",
        entry: () => this.enter("hold"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.set({ drain: true, drumRpm: p().spinTarget });
          if (p().stageMs >= program().spinMin * 60_000) this.next(api, "brake");
        },
      },
      brake: {
        parent: "spin",
        entry: () => this.enter("brake"),
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.set({ drain: true });
          if (this.sensed.rpm === 0) api.transition("done");
        },
      },
      paused: {
        entry: () => {
          this.set({});
          p().paused = true;
          this.save();
        },
        exit: () => {
          p().paused = false;
        },
        run: (e, api) => {
          if (e.kind === "resume") api.transition("locking");
          else if (e.kind === "cancel") api.transition("cancelling");
        },
      },
      cancelling: {
        entry: () => {
          this.emptyMs = 0;
          this.listener.save(undefined);
        },
        run: (e, api) => {
          if (e.kind !== "tick") return;
          this.set({ drain: true });
          this.emptyMs = this.sensed.waterL <= EMPTY_L ? this.emptyMs + e.dtMs : 0;
          if (this.emptyMs >= DRAIN_AFTER_EMPTY_MS && this.sensed.rpm === 0) api.transition("idle");
        },
      },
      done: {
        entry: () => {
          this.set({});
          const run = p();
          this.listener.save(undefined);
          this.listener.finished(Math.round(run.elapsedMs / 60_000), run.spinTarget);
        },
      },
    });
  }
}
