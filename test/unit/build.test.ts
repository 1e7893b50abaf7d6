import { describe, expect, it } from "vitest";
import { verifyImage } from "../../os/boot/image.js";
import { newKeyPair, verifyEd25519 } from "../../os/boot/signing.js";
import { buildFirmware } from "../../sdk/desk/node/tools/build.js";

const keys = newKeyPair(new Uint8Array(32).fill(5));

describe("hearth build", () => {
  it("bundles the air conditioner into a signed image that verifies, holds no Node, and says where its bytes go", async () => {
    const { image, sizeByPart } = await buildFirmware({ entry: "examples/aircon", board: "aircon-indoor", version: [1, 2, 3], securityCounter: 4, secretKey: keys.secretKey });
    const checked = verifyImage(image.bytes, keys.publicKey, { board: "aircon-indoor", minCounter: 4 }, verifyEd25519);
    expect(checked.version).toEqual([1, 2, 3]);
    const source = new TextDecoder().decode(image.bundle);
    expect(source).not.toMatch(/from\s*"node:|require\(/);
    expect(source).not.toMatch(/RoomPlant|SimulatedH1/); // the simulator's world stays out of the image
    expect(Object.keys(sizeByPart).sort()).toEqual(["boards", "examples", "hal", "os", "sdk"]);
    // The image holds the whole device (kernel, storage, link, updates) besides the firmware; the footprint
    // benchmark tracks its size against the 64 KiB goal. This guards against a library slipping in.
    expect(image.bytes.length).toBeLessThan(96 * 1024);
    // It is a module that exports the firmware, its model and defaults.
    const module = (await import(`data:text/javascript;base64,${Buffer.from(image.bundle).toString("base64")}`)) as Record<string, unknown>;
    expect(typeof module["firmware"]).toBe("function");
    expect((module["model"] as { id: string }).id).toBe("hearth.aircon");
    expect(Object.keys(module["engine"] as object).sort()).toEqual(["inspect", "model", "mqtt", "readable", "start", "wake"]);
    // Its model's hash is worked out at build time (sdk/protocol/PROTOCOL.md's table): the image does not hash its model as it boots;
    // the table is frozen, so Moddable's linker keeps it in flash.
    const text = new TextDecoder().decode(image.bundle);
    expect(text).toContain(`"hearth.aircon@1":Object.freeze(${JSON.stringify([...Buffer.from("b9aded1a4c581dc8", "hex")])})`);
  });

  it("refuses a firmware that imports a Node built-in, naming it", async () => {
    await expect(
      buildFirmware({ entry: "test/support/node-firmware", board: "aircon-indoor", version: [1, 0, 0], securityCounter: 0, secretKey: keys.secretKey }),
    ).rejects.toThrow(/may not import the Node built-in "node:fs"/);
  });
});
