import { H1 } from "../h1.js";
import type { MainsState, TriacSetting } from "../mains-io.js";

/** The mains at the board's inlet, as a plant sets it. */
export interface MainsSupply {
  /** Nominal frequency, Hz (the detector calls anything outside 45..65 Hz irregular). */
  readonly hz: number;
  /** Each crossing lands up to this far (µs) either side of its nominal time, uniformly. */
  readonly jitterUs: number;
  /** False: no mains (unplugged, a brown-out): no crossings at all. */
  readonly present: boolean;
}

/** One gate pulse: the crossing it was timed from, and when it fired (chip time, ms). */
export interface GateFiring {
  readonly pin: number;
  readonly crossing: number;
  readonly at: number;
}

/** The board's scheduler, so a change of the mains' state reaches firmware when it happens. */
export interface MainsTimer {
  after(ms: number, fn: () => void): { cancel(): void };
}

interface Gate {
  setting: TriacSetting;
  /** Takes effect at the next positive-going crossing, so a cycle is never split. */
  pending: TriacSetting | undefined;
  /** Burst: the mains cycle's index within the pattern, and whether this cycle conducts. */
  cycle: number;
  conducting: boolean;
  /** Conduction so far, in ms at full power (a plant's heat follows it). */
  conductedMs: number;
}

const HISTORY = 8;
const { minHz, maxHz, toleranceUs, lossMs } = H1.appliance.zeroCross;

/** A half-cycle the detector accepts as mains (hal/MAINS.md): 45..65 Hz, give or take the tolerance. */
export function regularHalfCycle(ms: number): boolean {
  return ms >= 500 / maxHz - toleranceUs / 1000 && ms <= 500 / minHz + toleranceUs / 1000;
}
const { resolutionUs } = H1.appliance.triac;

/** Share of a half-cycle's power a resistive load draws when its triac fires `delay` (0..1) of the way in. */
export function conductedShare(delay: number): number {
  const alpha = Math.PI * Math.min(1, Math.max(0, delay));
  return 1 - alpha / Math.PI + Math.sin(2 * alpha) / (2 * Math.PI);
}

/** Whether cycle `j` of a burst pattern conducts: `on` of every `period` cycles, spread evenly. */
export function burstConducts(j: number, onCycles: number, periodCycles: number): boolean {
  const k = j % periodCycles;
  return Math.floor(((k + 1) * onCycles) / periodCycles) > Math.floor((k * onCycles) / periodCycles);
}

/**
 * The H1's mains block, simulated: the mains itself (frequency, jitter,
 * outages), the zero-cross detector that measures it, and the four triac gate
 * drivers it fires. Nothing here runs per half-cycle unless asked: crossings
 * are worked out, in order, up to the time anyone looks (a read, a write, a
 * plant's step), and a change of the mains' state is scheduled for the time it
 * happens, so a day of 50 Hz mains costs no events.
 */
export class MainsBlock {
  private supply: MainsSupply = { hz: 50, jitterUs: 0, present: true };
  private nominal: number;
  private next: number;
  private rising = true;
  private last = 0;
  private count = 0;
  private readonly intervals: number[] = [];
  private detected: MainsState = "lost";
  private readonly gates = new Map<number, Gate>();
  private readonly listeners = new Set<(state: MainsState) => void>();
  private random: number;
  private wake: { cancel(): void } | undefined;
  /** Every gate pulse, while set to an array (tests, the hal benchmark). */
  firings: GateFiring[] | undefined;
  /** Every crossing's time, while set to an array. */
  crossingLog: number[] | undefined;

  constructor(
    private readonly now: () => number,
    private readonly timer?: MainsTimer,
    seed = 1,
  ) {
    this.random = seed >>> 0 || 1;
    this.nominal = now() + this.halfPeriod() * this.uniform();
    this.next = this.jittered(this.nominal);
  }

  /** The plant changes the mains from now on. */
  set(supply: Partial<MainsSupply>): void {
    this.advance(this.now());
    const was = this.supply;
    this.supply = { ...was, ...supply };
    if (this.supply.present && !was.present) {
      // The waveform comes back at an arbitrary phase, positive-going first; jitter cannot put its first
      // crossing before the moment it came back.
      this.nominal = this.now() + this.halfPeriod() * this.uniform();
      this.next = Math.max(this.now(), this.jittered(this.nominal));
      this.rising = true;
    }
    this.schedule();
  }

  get mains(): MainsSupply {
    return this.supply;
  }

  /** What the detector says now. */
  reading(): { at: number; crossings: number; hz: number; mains: MainsState } {
    this.advance(this.now());
    const hz = this.detected === "lost" || this.intervals.length === 0 ? 0 : 500 / this.measuredHalfPeriod();
    return { at: this.last, crossings: this.count, hz, mains: this.detected };
  }

  onState(listener: (state: MainsState) => void): () => void {
    this.listeners.add(listener);
    this.schedule();
    return () => this.listeners.delete(listener);
  }

  /** A gate driver in use, off until set. */
  openGate(pin: number): void {
    this.advance(this.now());
    this.gates.set(pin, { setting: { mode: "off" }, pending: undefined, cycle: 0, conducting: false, conductedMs: 0 });
  }

  setGate(pin: number, setting: TriacSetting): void {
    this.advance(this.now());
    const gate = this.gates.get(pin);
    if (gate === undefined) return;
    // The setting in force again changes nothing (a burst pattern is not restarted), and cancels one pending.
    gate.pending = sameSetting(gate.setting, setting) ? undefined : setting;
  }

  gate(pin: number): TriacSetting | undefined {
    const gate = this.gates.get(pin);
    return gate?.pending ?? gate?.setting;
  }

  /** The gate stops at once: a pulse timed for later does not come. */
  closeGate(pin: number): void {
    this.advance(this.now());
    this.gates.delete(pin);
    const now = this.now();
    if (this.firings !== undefined) this.firings = this.firings.filter((f) => f.pin !== pin || f.at <= now);
  }

  /** A reset of the chip: every gate off. */
  reset(): void {
    for (const pin of [...this.gates.keys()]) this.closeGate(pin);
  }

  /** Conduction on a gate pin so far, in ms at full power (0 when it is not in use). */
  conductedMs(pin: number): number {
    this.advance(this.now());
    return this.gates.get(pin)?.conductedMs ?? 0;
  }

  /** Works out every crossing up to `to`, in order, and the mains' loss when it falls due between them. */
  advance(to: number): void {
    for (;;) {
      const next = this.supply.present ? this.next : Infinity;
      const lostAt = this.last + lossMs;
      if (this.detected !== "lost" && lostAt < next && lostAt <= to) {
        this.state("lost");
        continue;
      }
      if (next > to) return;
      this.cross(next);
    }
  }

  private cross(at: number): void {
    const interval = this.count > 0 ? at - this.last : Infinity;
    const rising = this.rising;
    this.last = at;
    this.count++;
    this.crossingLog?.push(at);
    this.rising = !rising;
    this.nominal += this.halfPeriod();
    this.next = Math.max(at + 0.001, this.jittered(this.nominal));
    const regular = regularHalfCycle(interval);
    if (regular) {
      this.intervals.push(interval);
      if (this.intervals.length > HISTORY) this.intervals.shift();
    } else {
      this.intervals.length = 0;
    }
    // After an outage the first crossing has nothing to be measured against: still lost.
    if (regular) this.state("ok");
    else if (this.detected !== "lost") this.state("irregular");
    for (const [pin, gate] of this.gates) this.fire(pin, gate, at, rising);
  }

  private fire(pin: number, gate: Gate, crossing: number, rising: boolean): void {
    if (rising && gate.pending !== undefined) {
      gate.setting = gate.pending;
      gate.pending = undefined;
      gate.cycle = 0;
    }
    // The gates time from a regular detector only: no crossings, or bad ones, and they stay dark.
    if (this.detected !== "ok") return;
    const half = this.measuredHalfPeriod();
    const s = gate.setting;
    let delay: number;
    if (s.mode === "phase") {
      if (s.angle <= 0) return;
      delay = quantize(((180 - s.angle) / 180) * half);
      // Past the next crossing it would conduct in the wrong half: a jittered short half-cycle drops it.
      if (crossing + delay >= this.next) return;
      gate.conductedMs += conductedShare(delay / half) * half;
    } else if (s.mode === "burst") {
      if (rising) gate.conducting = s.on > 0 && burstConducts(gate.cycle++, s.on / 2, s.period / 2);
      if (!gate.conducting) return;
      delay = 0;
      gate.conductedMs += half;
    } else {
      return;
    }
    this.firings?.push({ pin, crossing, at: crossing + delay });
  }

  private state(next: MainsState): void {
    if (next === this.detected) return;
    this.detected = next;
    for (const listener of this.listeners) listener(next);
    this.schedule();
  }

  /** Asks the board to look again when the mains' state can next change (never per half-cycle while it is steady). */
  private schedule(): void {
    this.wake?.cancel();
    this.wake = undefined;
    if (this.timer === undefined || this.listeners.size === 0) return;
    const now = this.now();
    const inRange = regularHalfCycle(500 / this.supply.hz);
    const steady = this.supply.present && ((this.detected === "ok" && inRange) || (this.detected === "irregular" && !inRange));
    if (steady) return;
    const at = this.supply.present ? this.next : this.last + lossMs;
    if (!this.supply.present && this.detected === "lost") return;
    this.wake = this.timer.after(Math.max(0, at - now), () => {
      this.wake = undefined;
      this.advance(this.now());
      this.schedule();
    });
  }

  private measuredHalfPeriod(): number {
    if (this.intervals.length === 0) return this.halfPeriod();
    return this.intervals.reduce((a, b) => a + b, 0) / this.intervals.length;
  }

  private halfPeriod(): number {
    return 500 / this.supply.hz;
  }

  private jittered(nominal: number): number {
    return nominal + ((this.uniform() * 2 - 1) * this.supply.jitterUs) / 1000;
  }

  /** mulberry32: the mains' own seeded noise, so a run replays. */
  private uniform(): number {
    this.random = (this.random + 0x6d2b79f5) >>> 0;
    let t = this.random;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function sameSetting(a: TriacSetting, b: TriacSetting): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function quantize(ms: number): number {
  const step = resolutionUs / 1000;
  return Math.round(ms / step) * step;
}
