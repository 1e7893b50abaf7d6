import type { ModelSpec } from "../../thing/model.js";
import type { ApplianceEvent, ApplianceView, Sample } from "../sim/session-appliance.js";
import type { FloorPlan } from "../sim/app.js";

/**
 * The console's HTTP API (README.md beside this file): what the server sends
 * and the page reads, declared once for both.
 */
export type View = ApplianceView;
export type { Sample };

export interface StoryLine extends ApplianceEvent {
  id: string;
}

/** GET /api/snapshot: everything, once, when the page loads. */
export interface Snapshot {
  at: number;
  brokerRestartable: boolean;
  cloudConnected: boolean;
  /** Per appliance, also: its model, its history (thinned to at most 2000 samples), its story, and its plant's floor plan (a vacuum's flat) or null. */
  appliances: (View & { model: ModelSpec; samples: Sample[]; story: ApplianceEvent[]; floorPlan: FloorPlan | null })[];
}

/** The event stream's "state" event, several times a second. */
export interface StatePush {
  at: number;
  brokerRestartable: boolean;
  cloudConnected: boolean;
  appliances: (View & { sample: Sample | undefined })[];
}
