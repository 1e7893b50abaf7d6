import type { ModelSpec } from "../../../thing/model.js";

/** What the console server sends: its HTTP API, typed for the page. */
export interface View {
  id: string;
  app: string;
  board: string;
  firmware: string | null;
  status: string;
  online: boolean;
  network: boolean;
  link: string;
  reported: Record<string, unknown>;
  readings: Record<string, number>;
  boots: number;
  resets: number;
  sensors: string[];
  byHand: string[];
  /** The series to chart first. */
  chart: string[];
}

export interface Sample {
  at: number;
  values: Record<string, number>;
}

export interface StoryLine {
  id: string;
  at: number;
  kind: "event" | "log" | "reset" | "fault" | "link";
  text: string;
}

export interface Snapshot {
  at: number;
  brokerRestartable: boolean;
  cloudConnected: boolean;
  appliances: (View & { model: ModelSpec; samples: Sample[]; story: Omit<StoryLine, "id">[] })[];
}

export interface StatePush {
  at: number;
  brokerRestartable: boolean;
  cloudConnected: boolean;
  appliances: (View & { sample: Sample | undefined })[];
}

/** POSTs to the console's API; rejects with the server's message. */
export async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(typeof answer["error"] === "string" ? answer["error"] : `HTTP ${res.status}`);
  return answer;
}
