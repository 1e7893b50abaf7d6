import { airconModel } from "../../examples/aircon/model.js";
import { decodeMessage, encodeMessage } from "../../sdk/link/envelope.js";
import { membersFromWire, membersToWire } from "../../sdk/link/members.js";
import { opsPerSecond, report } from "./table.js";

/** The 5-property report of the foundation issue, as Hearth and as Alibaba's Alink JSON. */
export function linkBench(): void {
  const props = airconModel.spec.properties;
  const state = { power: true, mode: "cool", target: 24.5, room: 27.3, fan: 2 } as const;
  // A device that has been up a while: seq needs a 2-byte argument (3 bytes on the wire).
  const seq = 1024;
  const hearthFrame = (): Uint8Array =>
    encodeMessage({ type: "report", seq, values: membersToWire(props, state, "property", false) });
  const alink = {
    id: String(seq),
    version: "1.0",
    params: { PowerSwitch: 1, WorkMode: 0, TargetTemperature: 24.5, CurrentTemperature: 27.3, WindSpeed: 2 },
    method: "thing.event.property.post",
  };
  const alinkText = JSON.stringify(alink);
  const alinkBytes = new TextEncoder().encode(alinkText).length;
  const frame = hearthFrame();

  const codec = opsPerSecond(() => {
    const m = decodeMessage(hearthFrame());
    if (m.type === "report") membersFromWire(props, m.values, "property", false);
  });
  const json = opsPerSecond(() => {
    JSON.parse(JSON.stringify(alink));
  });

  report(
    "link",
    {
      hearth_report_bytes: frame.length,
      alink_report_bytes: alinkBytes,
      alink_over_hearth_bytes: alinkBytes / frame.length,
      codec_ops_per_s: Math.round(codec),
      alink_json_ops_per_s: Math.round(json),
      codec_over_json_speed: codec / json,
    },
    { hearth_report_bytes: "goal <= 20", codec_ops_per_s: "encode + decode + check, with model ids" },
  );
}
