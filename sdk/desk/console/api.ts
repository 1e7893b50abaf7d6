import type { ModelSpec } from "../../thing/model.js";
import type { ApplianceEvent, ApplianceView, Sample } from "../sim/session-appliance.js";
import type { FloorPlan } from "../sim/app.js";

/**
 * The console's HTTP API (README.md beside this file): what the server sends
 * and the page reads, declared once for both.
 */
export type { Sample };

/**
 * What the console shows of one appliance: a simulated one's view
 * (`SessionAppliance.view()`), or a cloud's device as its API gives it, with
 * its desired document (null on the simulator, whose sets go through the
 * session's cloud library).
 */
export interface View extends ApplianceView {
  desired: DesiredView | null;
}

/** A device's desired document as the cloud keeps it: its version (what a set expects), values, and the version the device has. */
export interface DesiredView {
  version: number;
  values: Record<string, unknown>;
  deviceVersion: number;
}

/**
 * Where the appliances come from: a simulator session (every control), or a
 * running cloud tier's HTTP API (`hearth console --cloud`): its address, the
 * devices shown of how many it has, and those named that it does not know (yet).
 */
export type SourceInfo = { kind: "simulator" } | { kind: "cloud"; url: string; shown: number; devices: number; missing: string[] };

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

export interface StoryLine extends ApplianceEvent {
  id: string;
}

/** The event stream's "state" event, several times a second. */
export interface StatePush {
  /** Simulated ms on the simulator; Unix ms from a cloud. */
  at: number;
  source: SourceInfo;
  brokerRestartable: boolean;
  /** The simulator: its cloud library's session with the broker is up. A cloud: its API answered the last poll. */
  cloudConnected: boolean;
  /** The session's Matter bridge's pairing: null without --matter, before the bridge is up, and from a cloud. */
  matter: MatterPairing | null;
  appliances: (View & { sample: Sample | undefined })[];
}

/** One appliance on the first load: its view, and also its model, its history (thinned to at most 2000 samples), its story, and its plant's floor plan (a vacuum's flat) or null. */
export type FirstView = View & { model: ModelSpec; samples: Sample[]; story: ApplianceEvent[]; floorPlan: FloorPlan | null };

/** GET /api/appliances: everything, once, when the page loads. */
export interface Snapshot extends Omit<StatePush, "appliances"> {
  appliances: FirstView[];
}
