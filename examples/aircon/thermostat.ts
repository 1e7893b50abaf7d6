/** Half-width of the hysteresis band around the target, °C. */
export const BAND_C = 0.5;

export type ClimateMode = "cool" | "heat" | "fan" | "dry" | "auto";

/** What auto mode does now: heat well below the target, cool well above, else keep what it did. */
export function resolveAuto(room: number, target: number, previous: "cool" | "heat"): "cool" | "heat" {
  if (room < target - 2 * BAND_C) return "heat";
  if (room > target + 2 * BAND_C) return "cool";
  return previous;
}

/**
 * Two-point control with hysteresis: cooling starts above target + band and
 * stops below target - band (heating mirrors it); in between, keep going.
 */
export function wantCompressor(mode: "cool" | "heat" | "dry", room: number, target: number, running: boolean): boolean {
  const hot = mode === "heat" ? target - room : room - target;
  if (hot > BAND_C) return true;
  if (hot < -BAND_C) return false;
  return running;
}
