import * as cborg from "cborg";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../os/index.js";
import { Cloud } from "../../sdk/cloud/index.js";
import { ErrorCode } from "../../sdk/thing/errors.js";
import { decodeMessage as decode, encodeMessage, type Message } from "../../sdk/protocol/envelope.js";
import { topics } from "../../sdk/protocol/transport.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { counterApp, counterModel } from "../support/counter-app.js";
import { badFrame } from "../support/frames.js";

const EPOCH = 1_800_000_000_000;

/** A counter appliance and a cloud on an in-memory broker, all in virtual time. */
function setup(seed = 1) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const sim = new HostEngineBoard(counterApp, { clock, seed });
  const sent: Message[] = [];
  sim.connect(() => {
    const t = broker.transport("dev1");
    return { ...t, start: (e) => t.start(e), stop: () => t.stop(), subscribe: (x) => t.subscribe(x), publish: (topic, p) => {
      try {
        sent.push(decode(p));
      } catch (error) {
        throw new Error(`the device sent a frame it cannot read back: ${(error as Error).message} ${Buffer.from(p).toString("hex")}`);
      }
      t.publish(topic, p);
    } };
  }, "dev1");
  const cloud = new Cloud(broker.transport("cloud"), [counterModel], () => EPOCH + clock.now());
  const seen: Message[] = [];
  cloud.onUplink((_, m) => seen.push(m));
  void cloud.start();
  /** Runs virtual time in small steps, letting deliveries (microtasks) happen in between. */
  const run = async (ms: number): Promise<void> => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      clock.runFor(Math.min(100, end - clock.now()));
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  /** Once the device is up: a client of the broker's own, for sending what the cloud never would. */
  const rawSender = async (): Promise<ReturnType<MemoryBroker["transport"]>> => {
    await run(2_000);
    const raw = broker.transport("raw");
    raw.start({ up: () => undefined, down: () => undefined, message: () => undefined });
    await run(100);
    return raw;
  };
  return { rawSender, clock, broker, sim, cloud, sent, seen, run, device: cloud.device("dev1", counterModel) };
}


describe("link reliability (in-memory broker, virtual time)", () => {
  it("every report reaches the cloud exactly once through broker outages, dropped connections and redeliveries", async () => {
    const t = setup();
    await t.run(5_000);
    for (let outage = 0; outage < 3; outage++) {
      await t.run(7_000);
      t.broker.stop();
      await t.run(20_000); // offline: state coalesces
      t.broker.start();
      await t.run(3_000);
      t.broker.drop("dev1");
      t.broker.duplicateNext = (topic) => topic.endsWith("/u");
      await t.run(5_000);
    }
    await t.run(10_000);
    const reportSeqs = t.sent.filter((m) => m.type === "report").map((m) => m.seq);
    const delivered = t.seen.filter((m) => m.type === "report").map((m) => m.seq);
    expect(new Set(reportSeqs).size).toBeGreaterThan(50);
    expect(delivered.length).toBe(new Set(delivered).size); // none twice
    expect(new Set(delivered)).toEqual(new Set(reportSeqs)); // none missing
    expect(t.cloud.stats.duplicates).toBeGreaterThan(0); // resends and redeliveries happened, and were dropped
    expect(t.device.reported.n).toBe(t.sim.device.get("n"));
  });

  it("a command delivered twice runs once and is answered once; an expired one does not run", async () => {
    const t = setup();
    await t.run(3_000);
    t.broker.duplicateNext = (topic) => topic.endsWith("/d");
    const answer = t.device.invoke("echo", { x: 7 }, { timeoutMs: 5_000 });
    await t.run(2_000);
    expect(await answer).toEqual({ x: 7 });
    expect(t.sim.device.get("runs")).toBe(1);
    expect(t.sim.link?.stats.duplicates).toBe(1);
    expect(t.seen.filter((m) => m.type === "result")).toHaveLength(1);

    const expired = t.cloud.request("dev1", { type: "invoke", seq: 0, action: 1, params: new Map([[1, 1]]), id: 99, deadline: EPOCH + t.clock.now() - 1 }, 5_000);
    await t.run(2_000);
    const reply = await expired;
    expect(reply.type === "error" && reply.code).toBe(ErrorCode["deadline-passed"]);
    expect(t.sim.device.get("runs")).toBe(1);
  });

  it("desired state has versions: a stale set is refused with the current version; a device that was away reconciles", async () => {
    const t = setup();
    await t.run(3_000);
    const first = t.device.set({ level: 10 });
    await t.run(1_000);
    await first;
    const stale = t.cloud.request("dev1", { type: "set", seq: 0, version: 1, values: new Map([[3, 50]]) }, 5_000);
    await t.run(1_000);
    const reply = await stale;
    expect(reply.type === "error" && [reply.code, reply.current]).toEqual([ErrorCode.stale, 1]);
    expect(t.sim.device.get("level")).toBe(10);

    t.broker.drop("dev1");
    t.broker.stop(); // away ...
    const missed = t.device.set({ level: 42, label: "eco" }, { timeoutMs: 200 }).catch((e: unknown) => e);
    await t.run(1_000);
    await new Promise((r) => setTimeout(r, 250));
    expect(await missed).toBeInstanceOf(Error); // timed out: the device did not get it
    t.broker.start(); // ... and back: its hello says version 1, the cloud holds 2
    await t.run(3_000);
    expect(t.sim.device.snapshot()).toMatchObject({ level: 42, label: "eco" });
    expect(t.sim.link?.desiredVersion).toBe(2);
  });

  it("a set sent while the device is away settles when the device is back and takes the whole desired document", async () => {
    const t = setup();
    await t.run(3_000);
    t.broker.drop("dev1");
    t.broker.stop();
    let settled: unknown = "pending";
    const away = t.device.set({ level: 7 }, { timeoutMs: 30_000 }).then(
      () => (settled = "done"),
      (e: unknown) => (settled = e),
    );
    await t.run(5_000);
    expect(settled).toBe("pending");
    t.broker.start();
    await t.run(3_000);
    await Promise.race([away, new Promise((r) => setTimeout(r, 2_000))]);
    expect(settled).toBe("done"); // not a timeout: the device has it, through its reconcile
    expect(t.sim.device.get("level")).toBe(7);
  });

  it("a set from a restarted cloud (its version count behind the device's) settles only once the device has it", async () => {
    const t = setup();
    await t.run(3_000);
    for (const level of [1, 2, 3]) {
      const set = t.device.set({ level });
      await t.run(1_000);
      await set;
    }
    expect(t.sim.link?.desiredVersion).toBe(3);
    // A new cloud process: its versions start again from 1. The device is away when the set goes out,
    // and its hello (version 3) comes back before any answer to it.
    await t.cloud.stop();
    t.broker.drop("dev1");
    t.broker.stop();
    const cloud = new Cloud(t.broker.transport("cloud-2"), [counterModel], () => EPOCH + t.clock.now());
    void cloud.start();
    let settled = false;
    const set = cloud.device("dev1", counterModel).set({ level: 9 }, { timeoutMs: 30_000 }).then(() => (settled = true));
    await t.run(1_000);
    t.broker.start();
    for (let i = 0; i < 50 && !settled; i++) await t.run(200);
    await set;
    expect(t.sim.device.get("level")).toBe(9); // acknowledged means applied
    expect(t.sim.link?.desiredVersion).toBeGreaterThan(3);
    await cloud.stop();
  });

  it("a power cut with a full queue: events and state from offline survive the reboot and arrive after it", async () => {
    const t = setup();
    await t.run(3_000);
    t.broker.stop();
    for (let i = 0; i < 40; i++) t.sim.device.emit(i % 10 === 0 ? "alarm" : "tick", { n: i });
    await t.run(65_000); // long enough for the offline state to be saved
    const offlineN = t.sim.device.get("n");
    expect(t.sim.link!.stats.dropped).toBe(8); // the queue was full: 8 info events made room
    t.sim.reset("powerOn"); // RAM is gone
    await t.run(1_000);
    t.broker.start();
    await t.run(5_000);
    const events = t.seen.filter((m): m is Extract<Message, { type: "event" }> => m.type === "event");
    // 40 emitted, 32 kept: the 8 dropped are ticks (info); all 4 alarms (critical) arrive.
    expect(events).toHaveLength(32);
    expect(events.filter((e) => e.event === 2)).toHaveLength(4);
    const reports = t.seen.filter((m): m is Extract<Message, { type: "report" }> => m.type === "report");
    // The state saved offline (n at the last save, a minute in) arrives as its own report after the reboot.
    expect(reports.some((r) => (r.values.get(1) as number) >= offlineN - 10)).toBe(true);
    expect(t.device.bootCount).toBe(2);
    expect(t.device.resetReason).toBe(0);
  });

  it("firmware sees the connection state change", async () => {
    const t = setup();
    const states: string[] = [];
    t.sim.link!.onState((s) => states.push(s));
    await t.run(1_000);
    t.broker.stop();
    await t.run(1_000);
    t.broker.start();
    await t.run(1_000);
    expect(states).toEqual(["up", "down", "up"]);
  });

  it("time sync gives the device the cloud's wall clock", async () => {
    const t = setup();
    expect(t.sim.link?.wallClock()).toBeUndefined();
    await t.run(3_000);
    expect(Math.abs((t.sim.link?.wallClock() as number) - (EPOCH + t.clock.now()))).toBeLessThan(200);
  });

  it("a garbage frame is counted, logged and answered; the link stays up", async () => {
    const t = setup();
    const raw = await t.rawSender();
    raw.publish(topics.down("dev1"), Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff));
    raw.publish(topics.down("dev1"), encodeMessage({ type: "report", seq: 1, values: new Map() }));
    await t.run(1_000);
    expect(t.sim.link?.stats.malformed).toBe(1);
    expect(t.sent.filter((m) => m.type === "error").map((m) => (m as { code: number }).code)).toEqual([ErrorCode.malformed, ErrorCode["unknown-message"]]);
    expect(t.sim.log.records().some((r) => /bad frame/.test(r.message))).toBe(true);
    expect(t.sim.link?.state).toBe("up");
  });
});

describe("link fuzz", () => {
  it("5,000 bad frames at a device: each is counted and answered, and the device keeps working", async () => {
    const t = setup();
    const raw = await t.rawSender();
    const frames = fc.sample(badFrame, { numRuns: 5_000, seed: 42 });
    let expectedMalformed = 0;
    for (const frame of frames) {
      try {
        decode(frame);
      } catch {
        expectedMalformed++;
      }
    }
    const receivedBefore = t.sim.link!.stats.received;
    for (const frame of frames) raw.publish(topics.down("dev1"), frame);
    // 5,000 frames at once: give the deliveries and the loop (bounded) time to take them all.
    for (let i = 0; i < 20 && t.sim.link!.stats.malformed < expectedMalformed; i++) await t.run(1_000);
    const stats = t.sim.link!.stats;
    // Every frame reached the link and was counted (besides the cloud's own acks and time answers).
    expect(stats.received - receivedBefore).toBeGreaterThanOrEqual(frames.length);
    expect(expectedMalformed).toBeGreaterThan(4000);
    expect(stats.malformed).toBe(expectedMalformed);
    // Each was answered: malformed, or unknown-message for a well-formed frame of a type that does not exist,
    // with ref = the frame's seq whenever its seq could be read (section 6), else 0.
    // (Well-formed frames of a type a device does not take are answered too, "a device does not take ...": not counted here.)
    const answers = t.sent.filter((m): m is Extract<Message, { type: "error" }> => m.type === "error" && (m.code === ErrorCode.malformed || m.code === ErrorCode["unknown-message"]) && !m.detail.startsWith("a device does not take"));
    expect(answers.length).toBe(expectedMalformed);
    // Wherever an independent decoder (cborg) reads the frame's seq, the answer's ref is that seq.
    const readableSeq = (frame: Uint8Array): number | undefined => {
      try {
        const item = cborg.decode(frame, { useMaps: true, strict: false }) as unknown;
        return Array.isArray(item) && Number.isSafeInteger(item[0]) && Number.isSafeInteger(item[1]) && (item[1] as number) > 0 ? (item[1] as number) : undefined;
      } catch {
        return undefined;
      }
    };
    const refs = new Map<number, number>();
    for (const m of answers) refs.set(m.ref, (refs.get(m.ref) ?? 0) + 1);
    let readable = 0;
    for (const frame of frames) {
      let bad = false;
      try {
        decode(frame);
      } catch {
        bad = true;
      }
      const seq = bad ? readableSeq(frame) : undefined;
      if (seq === undefined) continue;
      readable++;
      expect(refs.get(seq) ?? 0, `an answer with ref ${seq}`).toBeGreaterThan(0);
      refs.set(seq, (refs.get(seq) as number) - 1);
    }
    expect(readable).toBeGreaterThan(10);
    // Still serving: a command runs.
    const answer = t.device.invoke("echo", { x: 3 }, { timeoutMs: 5_000 });
    await t.run(1_000);
    expect(await answer).toEqual({ x: 3 });
  });
});
