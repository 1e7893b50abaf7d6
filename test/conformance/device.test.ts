import * as cborg from "cborg";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../os/index.js";
import { encodeCbor, type CborValue } from "../../os/cbor.js";
import { topics } from "../../sdk/protocol/transport.js";
import { MemoryBroker } from "../../sdk/desk/sim/memory-broker.js";
import { HostEngineBoard } from "../../sdk/desk/sim/host-engine-board.js";
import { H1, h1Layout } from "../../hal/h1.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { installConfirmed } from "../../os/boot/bootloader.js";
import { verifyEd25519 } from "../../os/boot/signing.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";
import { QuickJsBoard } from "../../sdk/desk/sim/quickjs-board.js";
import { loadQuickJs } from "../../sdk/desk/sim/quickjs-mcu.js";
import { counterApp } from "../support/counter-app.js";
import { keys } from "../support/ota.js";
import { CLOUD_TO_DEVICE, malformedFrames } from "./cddl.js";

/**
 * The device side of sdk/protocol/PROTOCOL.md, case by case from its text: a frame
 * the cloud could send, and the answer the spec requires. The device is the
 * counter appliance (test/support/counter-app.ts: n r, label rw text of 32,
 * level rw 0..100, runs r; action echo(x) -> x). Everything it sends is read
 * by cborg in strict mode (an independent decoder that refuses integers and
 * lengths not in their shortest form), never by Hearth's own decoder.
 */

type Uplink = { type: number; seq: number; body: unknown };
const EPOCH = 1_800_000_000_000;

/** Where the device's firmware runs: on the host's engine, or its image in QuickJS with the H1's memory. */
type Host = "node" | "quickjs";
let image: Promise<Uint8Array> | undefined;

/** A device on an in-memory broker, and a raw client in the cloud's place. */
async function device(host: Host) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  let sim: { state(): Record<string, unknown> };
  if (host === "node") {
    const board = new HostEngineBoard(counterApp, { clock, seed: 1 });
    board.connect(() => broker.transport("dev1"), "dev1");
    sim = { state: () => board.device.snapshot() };
  } else {
    image ??= buildFirmware({ entry: "test/support/counter-image.ts", board: counterApp.boardId, version: [0, 0, 1], securityCounter: 1, secretKey: keys.secretKey }).then((r) => r.image.bytes);
    const flash = new SimFlash(H1.flash);
    installConfirmed(flash, h1Layout(), keys.publicKey, counterApp.boardId, verifyEd25519, await image);
    const board = new QuickJsBoard(counterApp, { clock, seed: 1, flash, quickjs: await loadQuickJs(), stopwatch: () => performance.now(), publicKey: keys.publicKey, network: { transport: () => broker.transport("dev1"), deviceId: "dev1" } });
    sim = { state: () => board.inspect()?.state ?? {} };
  }
  const uplinks: Uplink[] = [];
  const raw = broker.transport("cloud");
  raw.start({
    up: () => raw.subscribe(topics.up("dev1")),
    down: () => undefined,
    message: (_, payload) => {
      const item = cborg.decode(payload, { strict: true, useMaps: true }) as unknown[];
      uplinks.push({ type: item[0] as number, seq: item[1] as number, body: item[2] });
      // The cloud's part of time sync (section 4): the device's wall clock is then EPOCH + its uptime.
      if (item[0] === 9) {
        const [t1] = item[2] as [number];
        raw.publish(topics.down("dev1"), encodeCbor([9, 0, [t1, EPOCH + clock.now(), EPOCH + clock.now()]]));
      }
    },
  });
  const run = async (ms: number): Promise<void> => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      clock.runFor(Math.min(100, end - clock.now()));
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  await run(3_000);
  /** Sends a frame (bytes, or a value Hearth's encoder writes) and returns what the device answered. */
  const send = async (frame: Uint8Array | CborValue): Promise<Uplink[]> => {
    const from = uplinks.length;
    raw.publish(topics.down("dev1"), frame instanceof Uint8Array ? frame : encodeCbor(frame));
    await run(500);
    // Answers only: not the device's own reports, events, hellos and time requests.
    return uplinks.slice(from).filter((u) => u.type === 4 || u.type === 6 || u.type === 7 || u.type === 10);
  };
  return { sim, send, run, uplinks, raw, get: (name: string) => sim.state()[name] };
}

const m = (entries: [number, CborValue][]): Map<number, CborValue> => new Map(entries);
/** A frame written byte by byte (what Hearth's encoder would never write: floats where integers go). */
const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s/g, ""), "hex"));
/** An error answer as PROTOCOL.md section 3 writes it: [ref, code, member, detail(, current)]. */
const error = (u: Uplink | undefined) => {
  const [ref, code, member, detail, current] = (u?.body ?? []) as [number, number, number | null, string, number | undefined];
  return { type: u?.type, ref, code, member, detail, current };
};

interface Case {
  section: string;
  name: string;
  frame: Uint8Array | CborValue;
  /** Only on these hosts (the Node host runs no images, so its device has no idle slot). Default: all. */
  hosts?: readonly Host[];
  /** What the answer must be; `null`: the device must not answer. */
  answer: null | { type: "ack"; ref: number } | { type: "error"; ref: number; code: number; member?: number | null; current?: number } | { type: "result"; id: number; result: Map<number, CborValue> };
}

const CASES: Case[] = [
  // Section 3: the envelope.
  { section: "3", name: "bytes that are not CBOR", frame: Uint8Array.of(0xff, 0x00), answer: { type: "error", ref: 0, code: 1, member: null } },
  { section: "3", name: "CBOR that is not an array", frame: 1, answer: { type: "error", ref: 0, code: 1, member: null } },
  { section: "3/6", name: "an array of two: its seq can be read, and the answer names it", frame: [2, 7], answer: { type: "error", ref: 7, code: 1, member: null } },
  { section: "3/6", name: "an unknown message type: unknown-message, ref = its seq", frame: [99, 8, null], answer: { type: "error", ref: 8, code: 2, member: null } },
  { section: "3", name: "a negative seq", frame: [2, -1, [1, m([])]], answer: { type: "error", ref: 0, code: 1, member: null } },
  { section: "3/6", name: "a set whose body is not [version, values]: malformed, ref = its seq", frame: [2, 10, 5], answer: { type: "error", ref: 10, code: 1, member: null } },
  { section: "3/6", name: "a set with trailing garbage in the body: malformed, ref = its seq", frame: [2, 11, [1, m([]), 0]], answer: { type: "error", ref: 11, code: 1, member: null } },
  { section: "3", name: "a hello sent to a device: unknown-message (a device does not take it)", frame: [0, 12, ["1.0.0", "x", new Uint8Array(8), 0, 0, 0]], answer: { type: "error", ref: 12, code: 2, member: null } },
  { section: "3", name: "a report sent to a device: unknown-message", frame: [1, 13, m([[1, 1]])], answer: { type: "error", ref: 13, code: 2, member: null } },
  { section: "5", name: "an error from the cloud is not answered", frame: [7, 14, [3, 1, null, "bad"]], answer: null },
  { section: "5", name: "an ack from the cloud is not answered", frame: [6, 15, 999], answer: null },
  // Section 3: a CDDL uint is an integer on the wire, never a float; a seq is at most 2^32 - 1.
  { section: "3", name: "a set whose version is the float 5.0: malformed, ref = its seq", frame: hex("830218648 2fb4014000000000000a0"), answer: { type: "error", ref: 100, code: 1, member: null } },
  { section: "3", name: "a seq that is the float 5.0: malformed, ref 0 (no seq to name)", frame: hex("8302fb40140000000000008201a0"), answer: { type: "error", ref: 0, code: 1, member: null } },
  { section: "3", name: "a message type that is the float 2.0: malformed", frame: hex("83fb4000000000000000078201a0"), answer: { type: "error", ref: 0, code: 1, member: null } },
  { section: "3", name: "a seq of 2^32: malformed, ref 0 (a ref is a seq too)", frame: hex("83021b00000001000000008201a0"), answer: { type: "error", ref: 0, code: 1, member: null } },
  { section: "3/4", name: "a desired version of 2^32: malformed, ref = its seq", frame: hex("830218658 21b0000000100000000a0"), answer: { type: "error", ref: 101, code: 1, member: null } },
  { section: "3", name: "an invoke whose deadline is the float 5.0: malformed, ref = its seq", frame: hex("83031866840 1a10101190258fb4014000000000000"), answer: { type: "error", ref: 102, code: 1, member: null } },
  { section: "3", name: "an ack whose ref is the float 1.0: malformed", frame: hex("83061867fb3ff0000000000000"), answer: { type: "error", ref: 103, code: 1, member: null } },
  { section: "3", name: "an int property sent as the float 2.0: wrong-type (an int travels as an integer)", frame: hex("830218688201a103fb4000000000000000"), answer: { type: "error", ref: 104, code: 5, member: 3 } },
  // Section 4: set.
  { section: "4", name: "a set of a writable property: acked", frame: [2, 20, [1, m([[3, 5]])]], answer: { type: "ack", ref: 20 } },
  { section: "4/6", name: "a set of an unknown property id: unknown-property, member null", frame: [2, 21, [1, m([[99, 1]])]], answer: { type: "error", ref: 21, code: 3, member: null } },
  { section: "4/6", name: "a set of a read-only property: read-only, member = the property", frame: [2, 22, [1, m([[1, 5]])]], answer: { type: "error", ref: 22, code: 4, member: 1 } },
  { section: "4/6", name: "a set above the maximum: out-of-range", frame: [2, 23, [1, m([[3, 101]])]], answer: { type: "error", ref: 23, code: 6, member: 3 } },
  { section: "4/6", name: "a set of the wrong type: wrong-type", frame: [2, 24, [1, m([[3, "x"]])]], answer: { type: "error", ref: 24, code: 5, member: 3 } },
  { section: "4/6", name: "a text longer than its maxLength: out-of-range", frame: [2, 25, [1, m([[2, "x".repeat(33)]])]], answer: { type: "error", ref: 25, code: 6, member: 2 } },
  { section: "4", name: "a set with a good and a bad member: none applied, the error names the bad one", frame: [2, 26, [1, m([[2, "ok"], [3, 500]])]], answer: { type: "error", ref: 26, code: 6, member: 3 } },
  // Section 4: invoke.
  { section: "4", name: "an invoke: its result carries the command id", frame: [3, 30, [1, m([[1, 3]]), 100, 0]], answer: { type: "result", id: 100, result: m([[1, 3]]) } },
  { section: "4/6", name: "an unknown action: unknown-action, member = the action id", frame: [3, 31, [9, m([]), 101, 0]], answer: { type: "error", ref: 31, code: 7, member: 9 } },
  { section: "4/6", name: "a missing param: bad-param", frame: [3, 32, [1, m([]), 102, 0]], answer: { type: "error", ref: 32, code: 8, member: 1 } },
  { section: "4/6", name: "a param of the wrong type: bad-param", frame: [3, 33, [1, m([[1, "x"]]), 103, 0]], answer: { type: "error", ref: 33, code: 8, member: 1 } },
  { section: "4/6", name: "an unknown param: bad-param, its member the param's id", frame: [3, 34, [1, m([[1, 1], [7, 1]]), 104, 0]], answer: { type: "error", ref: 34, code: 8, member: 7 } },
  { section: "4/6", name: "a command its handler cannot do now: busy, member = the action", frame: [3, 35, [2, m([[1, 1]]), 105, 0]], answer: { type: "error", ref: 35, code: 9, member: 2 } },
  { section: "4/6", name: "a command whose handler fails: failed, member = the action", frame: [3, 36, [2, m([[1, 2]]), 106, 0]], answer: { type: "error", ref: 36, code: 10, member: 2 } },
  // Section 5a: a device that takes no updates.
  { section: "5a", name: "an offer to a device with no idle slot: out-of-range", hosts: ["node"], frame: [10, 40, [7, "1.2.3", 1000, new Uint8Array(32)]], answer: { type: "error", ref: 40, code: 6, member: null } },
  { section: "5a", name: "a chunk it did not ask for is ignored", frame: [12, 41, [7, 0, new Uint8Array(16)]], answer: null },
  { section: "5a", name: "an offer that fits the idle slot is acked", hosts: ["quickjs"], frame: [10, 42, [7, "1.2.3", 1000, new Uint8Array(32)]], answer: { type: "ack", ref: 42 } },
  { section: "5a", name: "an offer larger than the idle slot: out-of-range", hosts: ["quickjs"], frame: [10, 43, [8, "1.2.3", 10_000_000, new Uint8Array(32)]], answer: { type: "error", ref: 43, code: 6, member: null } },
  { section: "5a", name: "an offer of the version it runs: stale", hosts: ["quickjs"], frame: [10, 44, [9, "0.0.1", 1000, new Uint8Array(32)]], answer: { type: "error", ref: 44, code: 13 } },
];

for (const host of ["node", "quickjs"] as const) {
describe(`device conformance (PROTOCOL.md), ${host === "node" ? "Node host" : "image in QuickJS"}`, () => {
  for (const c of CASES.filter((k) => k.hosts === undefined || k.hosts.includes(host))) {
    it(`section ${c.section}: ${c.name}`, async () => {
      const d = await device(host);
      const answers = await d.send(c.frame);
      if (c.answer === null) return void expect(answers).toEqual([]);
      expect(answers).toHaveLength(1);
      const a = answers[0] as Uplink;
      if (c.answer.type === "ack") return void expect([a.type, a.body]).toEqual([6, c.answer.ref]);
      if (c.answer.type === "result") return void expect([a.type, a.body]).toEqual([4, [c.answer.id, c.answer.result]]);
      const e = error(a);
      expect([e.type, e.ref, e.code]).toEqual([7, c.answer.ref, c.answer.code]);
      if (c.answer.member !== undefined) expect(e.member).toBe(c.answer.member);
      expect(typeof e.detail).toBe("string");
    });
  }

  it("section 4: a set of a version not above the device's: stale, with current", async () => {
    const d = await device(host);
    expect((await d.send([2, 50, [3, m([[3, 1]])]]))[0]?.type).toBe(6);
    const e = error((await d.send([2, 51, [3, m([[3, 2]])]]))[0]);
    expect([e.ref, e.code, e.member, e.current]).toEqual([51, 13, null, 3]);
    expect(d.get("level")).toBe(1); // nothing changed
  });

  it("section 4: a repeated command runs once and gets its first answer", async () => {
    const d = await device(host);
    const first = await d.send([3, 60, [1, m([[1, 4]]), 200, 0]]);
    const again = await d.send([3, 61, [1, m([[1, 4]]), 200, 0]]);
    expect(again).toEqual(first);
    expect(d.get("runs")).toBe(1);
  });

  it("section 4: sets that arrive out of order: the older version is stale, and the newer one stands", async () => {
    const d = await device(host);
    expect((await d.send([2, 110, [6, m([[3, 60]])]]))[0]?.type).toBe(6);
    const late = error((await d.send([2, 111, [5, m([[3, 50]])]]))[0]);
    expect([late.code, late.current]).toEqual([13, 6]);
    expect(d.get("level")).toBe(60);
  });

  it("section 4: a busy refusal is the command's answer: its repeat is refused the same, and it never runs", async () => {
    const d = await device(host);
    const first = await d.send([3, 120, [2, m([[1, 1]]), 700, 0]]);
    expect(error(first[0]).code).toBe(9);
    expect(await d.send([3, 121, [2, m([[1, 1]]), 700, 0]])).toEqual(first);
  });

  it("section 4: a refused command is remembered: its repeat gets the refusal and never runs", async () => {
    const d = await device(host);
    const refused = await d.send([3, 70, [1, m([[1, "x"]]), 300, 0]]);
    expect(error(refused[0]).code).toBe(8);
    // The same command id again, now well formed: a repeat of a command that was answered.
    const again = await d.send([3, 71, [1, m([[1, 5]]), 300, 0]]);
    expect(again).toEqual(refused);
    expect(d.get("runs")).toBe(0);
  });

  it("section 4: a command past its deadline is refused, and so is its repeat with no deadline", async () => {
    const d = await device(host);
    const past = EPOCH - 60_000; // a minute before the device's wall clock (from its time sync)
    const first = await d.send([3, 80, [1, m([[1, 1]]), 400, past]]);
    expect(error(first[0]).code).toBe(14);
    const again = await d.send([3, 81, [1, m([[1, 1]]), 400, 0]]);
    expect(again).toEqual(first);
    expect(d.get("runs")).toBe(0);
  });

  it("section 4: a time answer the device did not ask for (another t1) does not move its clock", async () => {
    const d = await device(host);
    const dayLater = EPOCH + 86_400_000;
    expect(await d.send([9, 90, [777, dayLater, dayLater]])).toEqual([]);
    // Were its clock a day ahead, a command due within the hour would have expired: it runs.
    const answer = await d.send([3, 91, [1, m([[1, 2]]), 500, EPOCH + 3_600_000]]);
    expect(answer[0]?.type).toBe(4);
  });

  it("section 6: no-session from the cloud: the device says hello again (a new seq) and sends again what is unacknowledged", async () => {
    const d = await device(host);
    const hello = d.uplinks.find((u) => u.type === 0) as Uplink;
    d.raw.publish(topics.down("dev1"), encodeCbor([6, 0, hello.seq]));
    await d.run(500);
    const report = d.uplinks.filter((u) => u.type === 1).at(-1) as Uplink;
    const from = d.uplinks.length;
    d.raw.publish(topics.down("dev1"), encodeCbor([7, 0, [report.seq, 16, null, "say hello"]]));
    await d.run(500);
    const after = d.uplinks.slice(from);
    const again = after.find((u) => u.type === 0);
    expect(again?.seq).toBeGreaterThan(hello.seq);
    expect(after.some((u) => u.type === 1 && u.seq === report.seq)).toBe(true); // the report, again, same seq
  });

  it("section 5: the hello goes again, same seq, until the cloud acks it", async () => {
    const d = await device(host);
    await d.run(45_000);
    const hellos = d.uplinks.filter((u) => u.type === 0);
    expect(hellos.length).toBeGreaterThanOrEqual(2);
    expect(new Set(hellos.map((h) => h.seq)).size).toBe(1);
    d.raw.publish(topics.down("dev1"), encodeCbor([6, 0, (hellos[0] as Uplink).seq]));
    await d.run(500);
    const before = d.uplinks.filter((u) => u.type === 0).length;
    await d.run(45_000);
    expect(d.uplinks.filter((u) => u.type === 0).length).toBe(before);
  });
});
}

for (const host of ["node", "quickjs"] as const) {
describe(`device conformance, ${host === "node" ? "Node host" : "image in QuickJS"}: every malformed frame the CDDL implies (PROTOCOL.md sections 3, 4 and 6)`, () => {
  for (const c of malformedFrames(CLOUD_TO_DEVICE, 1000)) {
    it(`section 4/6: ${c.name}: malformed, ref = its seq, nothing changes`, async () => {
      const d = await device(host);
      const before = d.sim.state();
      const answers = await d.send(c.frame);
      expect(answers).toHaveLength(1);
      const e = error(answers[0]);
      expect([e.type, e.ref, e.code, e.member]).toEqual([7, c.seq, 1, null]);
      expect(d.sim.state()).toEqual(before);
    });
  }
});
}
