/** A service of the appliance: started after the ones it needs, stopped before them. */
export interface Service {
  readonly name: string;
  /** Names of services that must be started first. */
  readonly after?: readonly string[];
  init?(): void | Promise<void>;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/**
 * Services in dependency order: every init, then every start, in an order
 * where each service comes after those it names; stop in the reverse order.
 * An unknown dependency or a cycle is an error that names it, before anything runs.
 */
export class Services {
  private readonly services = new Map<string, Service>();
  private started: Service[] = [];

  add(service: Service): this {
    if (this.services.has(service.name)) throw new Error(`service ${service.name} is added twice`);
    this.services.set(service.name, service);
    return this;
  }

  /** The start order. */
  order(): Service[] {
    const out: Service[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, path: string[]): void => {
      const service = this.services.get(name);
      if (service === undefined) throw new Error(`service ${path[path.length - 1]} needs ${name}, which is not added`);
      if (state.get(name) === "done") return;
      if (state.get(name) === "visiting") throw new Error(`services depend on each other in a cycle: ${[...path, name].join(" -> ")}`);
      state.set(name, "visiting");
      for (const dep of service.after ?? []) visit(dep, [...path, name]);
      state.set(name, "done");
      out.push(service);
    };
    for (const name of this.services.keys()) visit(name, []);
    return out;
  }

  async start(): Promise<void> {
    const order = this.order();
    for (const s of order) await s.init?.();
    for (const s of order) {
      await s.start?.();
      this.started.push(s);
    }
  }

  async stop(): Promise<void> {
    for (const s of this.started.reverse()) await s.stop?.();
    this.started = [];
  }
}
