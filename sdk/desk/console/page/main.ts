import { writable, type FieldSpec, type ModelSpec } from "../../../thing/model.js";
import { formatValue, labelOf, LANGUAGES } from "../../../thing/presentation.js";
import { post, type FirstView, type Sample, type Snapshot, type SourceInfo, type StatePush, type StoryLine, type View } from "./api.js";
import { Chart } from "./chart.js";
import { editorFor, type Editor } from "./editors.js";
import { FrontPanel } from "./front-panel.js";
import { MatterPanel } from "./matter.js";
import { clock, propertyOf, seriesLabel, seriesUnit, useWallClock } from "./series.js";
import { viewFor, type ApplianceView } from "./views.js";
import { chooseLanguage, language, t } from "./words.js";

/** Samples a card keeps: the history it loaded and what came live since. */
const KEPT = 20_000;

/** One appliance's card: built once from its model, then refreshed from every push. */
class DeviceCard {
  readonly samples: Sample[];
  readonly chart: Chart;
  readonly view: ApplianceView | undefined;
  private readonly root = document.createElement("section");
  private readonly values = new Map<string, HTMLElement>();
  private readonly log = document.createElement("div");
  private readonly error = document.createElement("div");
  private readonly badge = document.createElement("span");
  private readonly status = document.createElement("div");
  private readonly boots = document.createElement("span");
  private readonly firmware = document.createElement("span");
  private readonly networkButton = document.createElement("button");
  private readonly seriesBox = document.createElement("fieldset");
  /** The property editors: they follow the reported values, except while a person is editing one. */
  private readonly editors = new Map<string, Editor>();
  private readonly frontPanel: FrontPanel | undefined;
  private reported: Record<string, unknown> = {};
  /** The desired version the card shows (a cloud's): a set expects it, so someone else's change in between is refused, not overwritten. */
  private desiredVersion: number | undefined;
  private fetching = false;

  constructor(
    readonly id: string,
    private readonly model: ModelSpec,
    first: FirstView,
    /** A simulator's appliance (its faults, panel and hands), or a cloud's device (sets and actions only). */
    simulated: boolean,
  ) {
    const view: View = first;
    this.samples = first.samples;
    this.root.className = "device";
    this.root.dataset["device"] = id;
    this.root.setAttribute("aria-labelledby", `title-${id}`);
    const title = el("div", "title");
    const name = el("h2", "", id);
    name.id = `title-${id}`;
    this.badge.className = "badge";
    this.badge.dataset["online"] = "";
    title.append(name, el("span", "app", `${labelOf(model, view.app, language)}${view.board === "" ? "" : ` · ${view.board}`}`), this.firmware, this.badge, this.boots);
    this.status.className = "status";
    this.status.dataset["status"] = "";
    this.root.append(title, this.status);
    if (view.panel !== null) {
      this.frontPanel = new FrontPanel(view.panel, this.api("key"), (text) => void (this.error.textContent = text));
      this.root.append(this.frontPanel.element);
    }
    this.root.append(this.propertyTable(), this.actionsRow());
    this.view = viewFor(model, first);
    if (this.view !== undefined) this.root.append(this.view.element);
    this.chart = new Chart(model, id, (from, to) => void this.fill(from, to));
    for (const key of view.chart) this.chart.shown.add(key);
    this.seriesBox.className = "series";
    this.seriesBox.append(el("legend", "", t("series")));
    this.root.append(this.chart.element, this.seriesBox);
    // Behind a cloud there is no simulator: its controls are not drawn (the page's note says so).
    if (simulated) this.root.append(this.faultsRow(view));
    this.error.className = "error";
    this.error.dataset["error"] = "";
    this.error.setAttribute("role", "alert");
    this.log.className = "log";
    this.log.dataset["log"] = "";
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-label", t("log"));
    this.log.tabIndex = 0;
    this.root.append(this.error, this.log);
    for (const line of first.story) this.addStory(line);
    this.update(view);
  }

  get element(): HTMLElement {
    return this.root;
  }

  update(view: View, sample?: Sample): void {
    this.reported = view.reported;
    if (view.desired !== null) this.desiredVersion = Math.max(this.desiredVersion ?? 0, view.desired.version);
    for (const [name, editor] of this.editors) {
      if (!editor.dirty && document.activeElement !== editor.element && name in view.reported) editor.show(view.reported[name]);
    }
    if (sample !== undefined && sample.at > (this.samples.at(-1)?.at ?? -1)) void this.catchUp(sample.at);
    this.badge.textContent = view.online ? t("online") : t("offline");
    this.badge.className = `badge ${view.online ? "online" : "offline"}`;
    this.boots.textContent = `${t("boot")} ${view.boots}`;
    this.boots.dataset["boots"] = String(view.boots);
    this.firmware.textContent = view.firmware === null ? t("noFirmware") : `fw ${view.firmware}`;
    this.status.textContent = view.status;
    if (view.panel !== null) this.frontPanel?.update(view.panel);
    for (const [name, cell] of this.values) {
      cell.textContent = formatValue(this.model.properties[name] as FieldSpec, view.reported[name], language);
    }
    this.networkButton.textContent = view.network ? t("unplug") : t("plugIn");
    this.networkButton.dataset["up"] = String(view.network);
    this.refreshSeries();
    this.chart.draw(this.samples);
    this.view?.update(view, this.samples);
  }

  /**
   * A push carries only the newest sample, and at speed many were taken since
   * the last push (a vacuum crosses a room between two): the history fills
   * the gap, so charts and the path miss nothing.
   */
  private async catchUp(to: number): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      const from = (this.samples.at(-1)?.at ?? -1) + 1;
      const answer = await fetch(`${this.api("history")}?from=${from}&to=${to}&points=5000`);
      const { samples } = (await answer.json()) as { samples: Sample[] };
      for (const s of samples) if (s.at > (this.samples.at(-1)?.at ?? -1)) this.samples.push(s);
      if (this.samples.length > KEPT) this.samples.splice(0, this.samples.length - KEPT);
    } catch {
      // The next push tries again.
    } finally {
      this.fetching = false;
    }
  }

  /** A zoomed span in full: the first load thinned the history; the store has every sample of it. */
  private async fill(from: number, to: number): Promise<void> {
    try {
      const answer = await fetch(`${this.api("history")}?from=${Math.floor(from)}&to=${Math.ceil(to)}&points=2000`);
      const { samples } = (await answer.json()) as { samples: Sample[] };
      if (samples.length === 0) return;
      const first = (samples[0] as Sample).at;
      const last = (samples.at(-1) as Sample).at;
      const kept = this.samples.filter((s) => s.at < first || s.at > last);
      const at = kept.findIndex((s) => s.at > last);
      kept.splice(at < 0 ? kept.length : at, 0, ...samples);
      this.samples.splice(0, this.samples.length, ...kept);
    } catch {
      // The span stays as loaded.
    }
  }

  addStory(line: Omit<StoryLine, "id">): void {
    const row = el("div", line.kind, `${clock(line.at)}  ${language === "zh" && line.zh !== undefined ? line.zh : line.text}`);
    this.log.append(row);
    while (this.log.childElementCount > 200) this.log.firstElementChild?.remove();
    this.log.scrollTop = this.log.scrollHeight;
  }

  private propertyTable(): HTMLElement {
    const table = el("table", "props");
    table.setAttribute("aria-label", t("properties"));
    for (const [name, spec] of Object.entries(this.model.properties)) {
      const row = document.createElement("tr");
      row.dataset["prop"] = name;
      const label = el("th", "name", labelOf(spec, name, language));
      label.setAttribute("scope", "row");
      label.title = spec.description ?? name;
      const value = el("td", "value", "–");
      this.values.set(name, value);
      const edit = el("td", "edit");
      if (writable(spec)) {
        const editor = editorFor(name, spec);
        const set = el("button", "", t("set"));
        set.dataset["set"] = name;
        set.setAttribute("aria-label", `${t("set")} ${labelOf(spec, name, language)}`);
        const refusal = refusalBox(name);
        // The desired version as it was when the person began to edit: a change someone else made
        // while they were at it is refused (412), not overwritten by what they set from older eyes.
        let since: number | undefined;
        const begin = (): void => void (since ??= this.desiredVersion);
        editor.element.addEventListener("focusin", begin);
        editor.element.addEventListener("input", begin);
        editor.element.addEventListener("change", begin);
        editor.element.addEventListener("focusout", () => void (editor.dirty || (since = undefined)));
        set.onclick = () =>
          void this.call(
            refusal,
            async () => {
              const expect = since ?? this.desiredVersion;
              since = undefined;
              const answer = await post(this.api("set"), { values: { [name]: editor.value() }, ...(expect === undefined ? {} : { expect }) });
              if (typeof answer["version"] === "number") this.desiredVersion = answer["version"];
              editor.dirty = false;
            },
            // Refused: the box shows the device's value again, so what it shows is true (a cloud's
            // refusal of a stale version: the next push brings the version it is at now).
            () => {
              since = undefined;
              editor.dirty = false;
              editor.show(this.reported[name]);
            },
          );
        this.editors.set(name, editor);
        edit.append(editor.element, set, refusal);
      }
      row.append(label, value, edit);
      table.append(row);
    }
    return table;
  }

  private actionsRow(): HTMLElement {
    const box = el("div", "actions");
    if (Object.keys(this.model.actions).length > 0) box.append(el("h3", "", t("actions")));
    for (const [name, action] of Object.entries(this.model.actions)) {
      const row = el("div", "row action");
      row.dataset["actionRow"] = name;
      const editors = Object.entries(action.params).map(([param, spec]) => {
        const editor = editorFor(`${name}.${param}`, spec);
        // A param starts at its lowest allowed value, never a blank that sends 0.
        if (spec.type === "int" || spec.type === "number") editor.show(spec.min ?? 0);
        const label = el("label", "param", labelOf(spec, param, language));
        label.append(editor.element);
        if ("unit" in spec && spec.unit !== undefined) label.append(` ${spec.unit}`);
        row.append(label);
        return [param, editor] as const;
      });
      const button = el("button", "", labelOf(action, name, language));
      button.dataset["action"] = name;
      button.title = action.description ?? "";
      const refusal = refusalBox(name);
      button.onclick = () =>
        void this.call(refusal, () => post(this.api("invoke"), { action: name, params: Object.fromEntries(editors.map(([p, e]) => [p, e.value()])) }));
      row.prepend(button);
      row.append(refusal);
      box.append(row);
    }
    return box;
  }

  private faultsRow(view: View): HTMLElement {
    const box = el("div", "faults");
    const faults = el("div", "row");
    faults.append(el("h3", "", t("faults")));
    const refusal = refusalBox("faults");
    const power = el("button", "danger", t("cutPower"));
    power.dataset["fault"] = "power";
    power.onclick = () => void this.call(refusal, () => post(this.api("power"), { offMs: 3000 }));
    this.networkButton.dataset["fault"] = "network";
    this.networkButton.onclick = () => void this.call(refusal, () => post(this.api("network"), { up: this.networkButton.dataset["up"] !== "true" }));
    faults.append(power, this.networkButton);
    if (view.sensors.length > 0) {
      const sensor = document.createElement("select");
      sensor.dataset["sensor"] = "";
      sensor.setAttribute("aria-label", t("sensor"));
      for (const name of view.sensors) sensor.append(new Option(name, name));
      const failure = document.createElement("select");
      failure.setAttribute("aria-label", t("failure"));
      for (const [label, value] of [[t("openCircuit"), "open"], [t("short"), "short"], [t("mend"), "mend"]] as const) failure.append(new Option(label, value));
      const apply = el("button", "danger", t("failSensor"));
      apply.dataset["fault"] = "sensor";
      apply.onclick = () => void this.call(refusal, () => post(this.api("sensor"), { name: sensor.value, failure: failure.value === "mend" ? null : failure.value }));
      faults.append(sensor, failure, apply);
    }
    faults.append(refusal);
    box.append(faults);
    if (view.byHand.length > 0) {
      const hands = el("div", "row");
      hands.append(el("h3", "", t("byHand")));
      // What the hand did, beside the hand: the door stayed locked, the bin held 120 g.
      const happened = el("div", "happened");
      happened.dataset["happened"] = "";
      happened.setAttribute("role", "status");
      for (const name of view.byHand) {
        const hand = el("button", "", name);
        hand.dataset["hand"] = name;
        hand.onclick = () =>
          void this.call(refusalBox("hand"), async () => {
            const answer = (await post(this.api("hand"), { name })) as { happened?: string };
            happened.textContent = `${name}: ${answer.happened ?? ""}`;
          });
        hands.append(hand);
      }
      hands.append(happened);
      box.append(hands);
    }
    return box;
  }

  private refreshSeries(): void {
    const keys = new Set<string>();
    for (const s of this.samples.slice(-5)) for (const k of Object.keys(s.values)) keys.add(k);
    const have = new Set([...this.seriesBox.querySelectorAll("input")].map((i) => i.value));
    for (const key of keys) {
      // An enum's index is for views (a washer's phases), not a line to read.
      if (have.has(key) || propertyOf(this.model, key)?.[1].type === "enum") continue;
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
      const unit = seriesUnit(this.model, key);
      label.append(box, `${seriesLabel(this.model, key)}${unit === "" ? "" : ` (${unit})`}`);
      this.seriesBox.append(label);
    }
    this.colourLabels();
  }

  private colourLabels(): void {
    for (const label of this.seriesBox.querySelectorAll("label")) {
      const key = (label.querySelector("input") as HTMLInputElement).value;
      label.style.color = this.chart.shown.has(key) ? this.chart.colour(key) : "#777";
    }
  }

  private api(what: string): string {
    return `/api/appliances/${encodeURIComponent(this.id)}/${what}`;
  }

  /** Runs a request; a refusal shows in `where`, beside the control that made it, and `undo` puts the control back. */
  private async call(where: HTMLElement, request: () => Promise<unknown>, undo?: () => void): Promise<void> {
    where.textContent = "";
    try {
      await request();
    } catch (error) {
      where.textContent = error instanceof Error ? error.message : String(error);
      undo?.();
    }
  }
}

/** Where a refusal shows, beside its control; a screen reader says it as it appears. */
function refusalBox(name: string): HTMLElement {
  const box = el("div", "refusal");
  box.dataset["refusal"] = name;
  box.setAttribute("role", "alert");
  return box;
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className !== "") e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function languageSetting(): HTMLElement {
  const label = el("label", "language", `${t("language")} `);
  const select = document.createElement("select");
  select.dataset["language"] = "";
  for (const [lang, name] of LANGUAGES.map((l) => [l, l === "zh" ? "简体中文" : "English"] as const)) select.append(new Option(name, lang, lang === language, lang === language));
  select.onchange = () => chooseLanguage(select.value === "zh" ? "zh" : "en");
  label.append(select);
  return label;
}

/** The note under the header when the page reads a cloud: what is here, what is not, and devices named that the cloud does not know. */
function sourceNote(source: SourceInfo): void {
  const note = document.querySelector("[data-source-note]") as HTMLElement;
  if (source.kind !== "cloud") return;
  note.hidden = false;
  const count = el("span", "", ` (${source.shown} ${t("devicesShown")}${source.devices > source.shown ? `, ${t("of")} ${source.devices}` : ""})`);
  count.dataset["shown"] = String(source.shown);
  const missing = el("span", "missing", source.missing.length === 0 ? "" : ` ${source.missing.join(", ")}: ${t("notKnown")}`);
  missing.dataset["missing"] = source.missing.join(",");
  note.replaceChildren(el("span", "", t("cloudNote")), count, missing);
}

async function main(): Promise<void> {
  document.documentElement.lang = language === "zh" ? "zh-Hans" : "en";
  const snapshot = (await (await fetch("/api/appliances")).json()) as Snapshot;
  const simulated = snapshot.source.kind === "simulator";
  if (!simulated) useWallClock();
  const container = document.querySelector("[data-devices]") as HTMLElement;
  const cards = new Map<string, DeviceCard>();
  const add = (appliances: readonly FirstView[]): void => {
    for (const a of appliances) {
      if (cards.has(a.id)) continue;
      const card = new DeviceCard(a.id, a.model, a, simulated);
      cards.set(a.id, card);
      container.append(card.element);
    }
  };
  add(snapshot.appliances);
  sourceNote(snapshot.source);
  // A device that said hello after the page loaded (a cloud's): its card, once.
  let adding = false;
  const addNew = async (): Promise<void> => {
    if (adding) return;
    adding = true;
    try {
      add(((await (await fetch("/api/appliances")).json()) as Snapshot).appliances);
    } finally {
      adding = false;
    }
  };
  const matter = new MatterPanel();
  container.before(matter.element);
  matter.update(snapshot.matter);
  const restart = document.querySelector("[data-broker-restart]") as HTMLButtonElement;
  restart.textContent = t("restartBroker");
  restart.hidden = !snapshot.brokerRestartable;
  restart.onclick = () => void post("/api/broker/restart", {}).catch((error: unknown) => alert(String(error)));
  restart.before(languageSetting());
  const clockView = document.querySelector("[data-clock]") as HTMLElement;
  const events = new EventSource("/api/stream");
  events.addEventListener("state", (e) => {
    const push = JSON.parse((e as MessageEvent<string>).data) as StatePush;
    clockView.textContent =
      push.source.kind === "cloud"
        ? `${t("viaCloud")} ${push.source.url} · ${clock(push.at)} · ${push.cloudConnected ? t("apiAnswering") : t("apiNotAnswering")}`
        : `${t("simulated")} ${clock(push.at)} · ${push.cloudConnected ? t("cloudConnected") : t("cloudReconnecting")}`;
    sourceNote(push.source);
    matter.update(push.matter);
    for (const view of push.appliances) {
      const card = cards.get(view.id);
      if (card === undefined) void addNew().catch(() => undefined);
      else card.update(view, view.sample);
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
