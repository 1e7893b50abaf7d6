export type { FirstView, Sample, Snapshot, SourceInfo, StatePush, StoryLine, View } from "../api.js";

/** POSTs to the console's API; rejects with the server's message. */
export async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(typeof answer["error"] === "string" ? answer["error"] : `HTTP ${res.status}`);
  return answer;
}
