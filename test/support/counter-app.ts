import { HearthError, defineModel } from "../../sdk/index.js";
import { defineApp } from "../../sdk/desk/sim/index.js";

/** A minimal appliance for link tests: a counter that changes every second, an action, an event. */
export const counterModel = defineModel({
  id: "test.counter",
  version: 1,
  properties: {
    n: { id: 1, type: "int", min: 0, access: "r" },
    label: { id: 2, type: "string", maxLength: 32, access: "rw" },
    level: { id: 3, type: "int", min: 0, max: 100, access: "rw" },
    runs: { id: 4, type: "int", min: 0, access: "r" },
  },
  actions: {
    echo: { id: 1, params: { x: { id: 1, type: "int" } }, result: { x: { id: 1, type: "int" } } },
    /** Refuses as asked: 1 busy, 2 fails (for the error codes a handler gives). */
    refuse: { id: 2, params: { how: { id: 1, type: "int", min: 1, max: 2 } }, result: {} },
  },
  events: {
    tick: { id: 1, level: "info", fields: { n: { id: 1, type: "int" } } },
    alarm: { id: 2, level: "critical", fields: { n: { id: 1, type: "int" } } },
  },
});

export const counterApp = defineApp({
  name: "counter",
  firmwareVersion: "0.0.1",
  boardId: "none",
  model: counterModel,
  initial: { n: 0, label: "", level: 0, runs: 0 },
  firmware: ({ kernel, device }) => {
    kernel.every(1000, () => device.set("n", device.get("n") + 1), { task: "count" });
    device.handle("echo", ({ x }) => {
      device.set("runs", device.get("runs") + 1);
      return { x };
    });
    device.handle("refuse", ({ how }) => {
      if (how === 1) throw new HearthError("busy", "the counter is busy");
      throw new Error("the counter failed");
    });
  },
  createPlant: () => ({ step: () => undefined, readings: () => ({}) }),
  status: (s) => `n ${s.n}`,
});
