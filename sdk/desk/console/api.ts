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

/**
 * The session's Matter bridge (hearth sim --matter), for a person to pair a controller with: the
 * codes, and the QR code's modules the server computed (the page draws them: it carries no QR
 * encoder and nothing of matter.js).
 */
export interface MatterPairing {
  manualPairingCode: string;
  qrPairingCode: string;
  /** Row by row, "1" a dark module and "0" a light one, without the quiet zone. */
  qr: string[];
  /** A controller has commissioned the bridge (more may join it). */
  commissioned: boolean;
  /** Its UDP port. */
  port: number;
}

/** GET /api/snapshot: everything, once, when the page loads. */
export interface Snapshot {
  at: number;
  brokerRestartable: boolean;
  cloudConnected: boolean;
  /** The Matter bridge's pairing, or null without --matter (or before the bridge is up). */
  matter: MatterPairing | null;
  /** Per appliance, also: its model, its history (thinned to at most 2000 samples), its story, and its plant's floor plan (a vacuum's flat) or null. */
  appliances: (View & { model: ModelSpec; samples: Sample[]; story: ApplianceEvent[]; floorPlan: FloorPlan | null })[];
}

/** The event stream's "state" event, several times a second. */
export interface StatePush {
  at: number;
  brokerRestartable: boolean;
  cloudConnected: boolean;
  matter: MatterPairing | null;
  appliances: (View & { sample: Sample | undefined })[];
}
