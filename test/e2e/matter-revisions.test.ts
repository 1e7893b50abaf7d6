import "../../sdk/matter/node/configure.js"; // before matter.js loads: its settings are not this process's arguments
import { afterAll, describe, expect, it } from "vitest";
import type { ClientNode, Endpoint } from "@matter/main";
import { vacuumModel, vacuumModelV2 } from "../../examples/vacuum/model.js";
import { decodeMessage, encodeMessage } from "../../sdk/protocol/envelope.js";
import { membersToWire } from "../../sdk/protocol/members.js";
import { modelHash } from "../../sdk/protocol/model-hash.js";
import { topics } from "../../sdk/protocol/transport.js";
import type { AnyModel } from "../../sdk/thing/model.js";
import { checkValues } from "../../sdk/thing/validate.js";
import { matterSite } from "../support/matter-site.js";

let site: Awaited<ReturnType<typeof matterSite>> | undefined;
afterAll(async () => site?.close(), 30_000);

describe("Matter bridge and model revisions", () => {
  it("a vacuum on revision 2 is bridged without areas; updated to revision 3 (a hello on it), its rooms become areas and a selection reaches it", async () => {
    site = await matterSite({ appliances: [] });
    site.cloud.serve(vacuumModelV2 as unknown as AnyModel); // the cloud serves both revisions, as hearth sim's does
    // A vacuum by its frames: it says hello on a revision, reports, and acknowledges every set.
    const id = "rv-9";
    const sets: unknown[] = [];
    const wire = site.broker.transport(id);
    await new Promise<void>((up) =>
      wire.start({
        up: () => {
          wire.subscribe(topics.down(id));
          up();
        },
        down: () => undefined,
        message: (_, payload) => {
          const m = decodeMessage(payload);
          if (m.type !== "set") return;
          sets.push(m.values);
          wire.publish(topics.up(id), encodeMessage({ type: "ack", seq: 1000 + sets.length, ref: m.seq }));
        },
      }),
    );
    let seq = 0;
    const boot = (model: AnyModel, firmware: string, state: Record<string, unknown>, bootCount: number): void => {
      wire.publish(topics.up(id), encodeMessage({ type: "hello", seq: ++seq, firmware, model: model.id, modelHash: modelHash(model), resetReason: 0, bootCount, desiredVersion: 0 }));
      const props = model.spec.properties;
      wire.publish(topics.up(id), encodeMessage({ type: "report", seq: ++seq, values: membersToWire(props, checkValues(props, state, "property", false)) }));
    };
    boot(vacuumModelV2 as unknown as AnyModel, "1.1.0", { state: "docked", battery: 90, charging: true, suction: "standard" }, 1);
    await site.until(() => site!.bridge.devices().includes(id));

    const peer: ClientNode = await site.commission();
    const endpoint = (): Endpoint | undefined => [...peer.endpoints].find((e) => (e.maybeStateOf("bridgedDeviceBasicInformation") as { serialNumber?: string } | undefined)?.serialNumber === id);
    await site.until(() => endpoint() !== undefined && (endpoint()!.maybeStateOf("powerSource") as { batPercentRemaining?: number } | undefined)?.batPercentRemaining === 180);
    const areas = (): { supportedAreas: { areaId: number }[]; currentArea: number | null } => endpoint()!.stateOf("serviceArea") as never;
    expect(areas().supportedAreas).toEqual([]); // revision 2 has no rooms
    expect(await endpoint()!.commandsOf("serviceArea")["selectAreas"]!({ newAreas: [1] })).toMatchObject({ status: 1 }); // UnsupportedArea

    // Updated: firmware 1.2.0 says hello on revision 3 and reports its rooms.
    boot(vacuumModel as unknown as AnyModel, "1.2.0", { state: "docked", battery: 88, rooms: "Hall:-1.5,-2.4,1.2,0;Kitchen:1.8,-1.5,7.8,0", selectedRooms: 0, room: 1 }, 2);
    await site.until(() => areas().supportedAreas.length === 2 && areas().currentArea === 1, 30_000);
    expect(await endpoint()!.commandsOf("serviceArea")["selectAreas"]!({ newAreas: [2] })).toMatchObject({ status: 0 });
    // The set went to the device as revision 3 reads it: selectedRooms (id 14) = 0b10.
    expect(sets.at(-1)).toEqual(new Map([[vacuumModel.spec.properties.selectedRooms.id, 2]]));
  }, 90_000);
});
