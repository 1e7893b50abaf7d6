import { writable, type FieldSpec, type ModelSpec } from "../../../thing/model.js";
import { post, type Sample, type Snapshot, type StatePush, type StoryLine, type View } from "./api.js";
import { Chart } from "./chart.js";
import { editorFor, unitOf, type Editor } from "./editors.js";
import { FrontPanel } from "./front-panel.js";

/** One appliance's card: built once from its model, then refreshed from every push. */
class DeviceCard {
  readonly samples: Sample[];
  private readonly root = document.createElement("section");
  private readonly values = new Map<string, HTMLElement>();
  private readonly chart: Chart;
  private readonly log = document.createElement("div");
  private readonly error = document.createElement("div");
  private readonly badge = document.createElement("span");
  private readonly status = document.createElement("div");
  private readonly boots = document.createElement("span");
  private readonly firmware = document.createElement("span");
  private readonly networkButton = document.createElement("button");
  private readonly seriesBox = document.createElement("div");
  /** The property editors: they follow the reported values, except while a person is editing one. */
  private readonly editors = new Map<string, Editor>();
  private readonly frontPanel: FrontPanel | undefined;

  constructor(
    readonly id: string,
    private readonly model: ModelSpec,
    view: View,
    samples: Sample[],
    story: Omit<StoryLine, "id">[],
  ) {
    this.samples = samples;
    this.root.className = "device";
    this.root.dataset["device"] = id;
    const title = el("div", "title");
    const name = el("h2", "", id);
    this.badge.className = "badge";
    this.badge.dataset["online"] = "";
    title.append(name, el("span", "app", `${view.app} on ${view.board}`), this.firmware, this.badge, this.boots);
    this.status.className = "status";
    this.status.dataset["status"] = "";
    this.root.append(title, this.status);
    if (view.panel !== null) {
      this.frontPanel = new FrontPanel(view.panel, this.api("key"), (text) => void (this.error.textContent = text));
      this.root.append(this.frontPanel.element);
    }
    this.root.append(this.propertyTable(), this.actionsRow());
    const canvas = document.createElement("canvas");
    canvas.dataset["chart"] = "";
    this.chart = new Chart(canvas);
    for (const key of view.chart) this.chart.shown.add(key);
    this.seriesBox.className = "series";
    this.root.append(canvas, this.seriesBox, this.faultsRow(view));
    this.error.className = "error";
    this.error.dataset["error"] = "";
    this.log.className = "log";
    this.log.dataset["log"] = "";
    this.root.append(this.error, this.log);
    for (const line of story) this.addStory(line);
    this.update(view);
  }

  get element(): HTMLElement {
    return this.root;
  }

  update(view: View, sample?: Sample): void {
    for (const [name, editor] of this.editors) {
      if (!editor.dirty && document.activeElement !== editor.element && name in view.reported) editor.show(view.reported[name]);
    }
    if (sample !== undefined && this.samples.at(-1)?.at !== sample.at) {
      this.samples.push(sample);
      if (this.samples.length > 720) this.samples.shift();
    }
    this.badge.textContent = view.online ? "online" : "offline";
    this.badge.className = `badge ${view.online ? "online" : "offline"}`;
    this.boots.textContent = `boot ${view.boots}`;
    this.boots.dataset["boots"] = String(view.boots);
    this.firmware.textContent = view.firmware === null ? "no firmware" : `fw ${view.firmware}`;
    this.status.textContent = view.status;
    if (view.panel !== null) this.frontPanel?.update(view.panel);
    for (const [name, cell] of this.values) {
      const spec = this.model.properties[name] as FieldSpec;
      const v = view.reported[name];
      cell.textContent = v === undefined ? "–" : `${String(v)}${unitOf(spec)}`;
    }
    this.networkButton.textContent = view.network ? "Unplug network" : "Plug network in";
    this.networkButton.dataset["up"] = String(view.network);
    this.refreshSeries();
    this.chart.draw(this.samples);
  }

  addStory(line: Omit<StoryLine, "id">): void {
    const row = el("div", line.kind, `${clock(line.at)}  ${line.text}`);
    this.log.append(row);
    while (this.log.childElementCount > 200) this.log.firstElementChild?.remove();
    this.log.scrollTop = this.log.scrollHeight;
  }

  private propertyTable(): HTMLElement {
    const table = el("table", "props");
    for (const [name, spec] of Object.entries(this.model.properties)) {
      const row = document.createElement("tr");
      row.dataset["prop"] = name;
      const value = el("td", "value", "–");
      this.values.set(name, value);
      const edit = document.createElement("td");
      if (writable(spec)) {
        const editor = editorFor(name, spec);
        const set = el("button", "", "Set");
        set.dataset["set"] = name;
        set.onclick = () =>
          void this.call(`set ${name}`, async () => {
            await post(this.api("set"), { values: { [name]: editor.value() } });
            editor.dirty = false;
          });
        this.editors.set(name, editor);
        edit.append(editor.element, set);
      }
      row.append(el("td", "name", name), value, edit);
      table.append(row);
    }
    return table;
  }

  private actionsRow(): HTMLElement {
    const row = el("div", "row");
    if (Object.keys(this.model.actions).length > 0) row.append(el("span", "label", "actions"));
    for (const [name, action] of Object.entries(this.model.actions)) {
      const editors = Object.entries(action.params).map(([param, spec]) => [param, editorFor(param, spec)] as const);
      const button = el("button", "", name);
      button.dataset["action"] = name;
      button.title = action.description ?? "";
      button.onclick = () =>
        void this.call(name, () => post(this.api("invoke"), { action: name, params: Object.fromEntries(editors.map(([p, e]) => [p, e.value()])) }));
      row.append(button, ...editors.map(([, e]) => e.element));
    }
    return row;
  }

  private faultsRow(view: View): HTMLElement {
    const row = el("div", "row");
    row.append(el("span", "label", "faults"));
    const power = el("button", "danger", "Cut power");
    power.dataset["fault"] = "power";
    power.onclick = () => void this.call("power cut", () => post(this.api("power"), { offMs: 3000 }));
    this.networkButton.dataset["fault"] = "network";
    this.networkButton.onclick = () => void this.call("network", () => post(this.api("network"), { up: this.networkButton.dataset["up"] !== "true" }));
    row.append(power, this.networkButton);
    if (view.sensors.length > 0) {
      const sensor = document.createElement("select");
      sensor.dataset["sensor"] = "";
      for (const name of view.sensors) sensor.append(new Option(name, name));
      const failure = document.createElement("select");
      for (const [label, value] of [["open circuit", "open"], ["short", "short"], ["mend", "mend"]]) failure.append(new Option(label, value));
      const apply = el("button", "danger", "Fail sensor");
      apply.dataset["fault"] = "sensor";
      apply.onclick = () =>
        void this.call("sensor", () => post(this.api("sensor"), { name: sensor.value, failure: failure.value === "mend" ? null : failure.value }));
      row.append(sensor, failure, apply);
    }
    for (const name of view.byHand) {
      const hand = el("button", "", name);
      hand.dataset["hand"] = name;
      hand.onclick = () => void this.call(name, () => post(this.api("hand"), { name }));
      row.append(hand);
    }
    return row;
  }

  private refreshSeries(): void {
    const keys = new Set<string>();
    for (const s of this.samples.slice(-5)) for (const k of Object.keys(s.values)) keys.add(k);
    const have = new Set([...this.seriesBox.querySelectorAll("input")].map((i) => i.value));
    for (const key of keys) {
      if (have.has(key)) continue;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = key;
      box.checked = this.chart.shown.has(key);
      box.onchange = () => {
        if (box.checked) this.chart.shown.add(key);
        else this.chart.shown.delete(key);
        this.chart.draw(this.samples);
        this.colourLabels();
      };
      const label = document.createElement("label");
      label.append(box, key);
      this.seriesBox.append(label);
    }
    this.colourLabels();
  }

  private colourLabels(): void {
    for (const label of this.seriesBox.querySelectorAll("label")) {
      const key = (label.querySelector("input") as HTMLInputElement).value;
      label.style.color = this.chart.shown.has(key) ? this.chart.colour(key) : "#999";
    }
  }

  private api(what: string): string {
    return `/api/appliances/${encodeURIComponent(this.id)}/${what}`;
  }

  private async call(what: string, request: () => Promise<unknown>): Promise<void> {
    this.error.textContent = "";
    try {
      await request();
    } catch (error) {
      this.error.textContent = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className !== "") e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

async function main(): Promise<void> {
  const snapshot = (await (await fetch("/api/appliances")).json()) as Snapshot;
  const container = document.querySelector("[data-devices]") as HTMLElement;
  const cards = new Map<string, DeviceCard>();
  for (const a of snapshot.appliances) {
    const card = new DeviceCard(a.id, a.model, a, a.samples, a.story);
    cards.set(a.id, card);
    container.append(card.element);
  }
  const restart = document.querySelector("[data-broker-restart]") as HTMLButtonElement;
  restart.hidden = !snapshot.brokerRestartable;
  restart.onclick = () => void post("/api/broker/restart", {}).catch((error: unknown) => alert(String(error)));
  const clockView = document.querySelector("[data-clock]") as HTMLElement;
  const events = new EventSource("/api/stream");
  events.addEventListener("state", (e) => {
    const push = JSON.parse((e as MessageEvent<string>).data) as StatePush;
    clockView.textContent = `simulated ${clock(push.at)} · cloud ${push.cloudConnected ? "connected" : "reconnecting…"}`;
    for (const view of push.appliances) {
      cards.get(view.id)?.update(view, view.sample);
    }
  });
  events.addEventListener("story", (e) => {
    const line = JSON.parse((e as MessageEvent<string>).data) as StoryLine;
    cards.get(line.id)?.addStory(line);
  });
  // For tests and the curious: the page's state.
  (window as unknown as { hearthConsole: unknown }).hearthConsole = { cards };
}

void main();
