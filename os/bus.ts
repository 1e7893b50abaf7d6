import { Priority, type Kernel } from "./kernel.js";

type Listener<T> = (message: T) => void;

/**
 * A typed in-device bus: services publish on named topics and others
 * subscribe. Delivery is a kernel event (never inside the publisher's call);
 * listeners run in the order they subscribed, and one that throws is a
 * fault of the task "bus:<topic>" that does not stop the others.
 */
export class Bus<Topics extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Topics, Listener<never>[]>();

  constructor(private readonly kernel: Kernel) {}

  subscribe<K extends keyof Topics & string>(topic: K, listener: Listener<Topics[K]>): () => void {
    const list = this.listeners.get(topic) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(topic, list);
    return () => {
      const at = list.indexOf(listener as Listener<never>);
      if (at >= 0) list.splice(at, 1);
    };
  }

  publish<K extends keyof Topics & string>(topic: K, message: Topics[K], priority: Priority = Priority.Normal): void {
    const list = this.listeners.get(topic);
    if (list === undefined || list.length === 0) return;
    const snapshot = [...list] as Listener<Topics[K]>[];
    this.kernel.post(
      () => {
        for (const listener of snapshot) {
          try {
            listener(message);
          } catch (error) {
            this.kernel.reportFault(`bus:${topic}`, error);
          }
        }
      },
      priority,
      `bus:${topic}`,
    );
  }
}
