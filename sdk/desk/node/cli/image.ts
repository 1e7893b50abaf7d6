import { sha256 } from "@noble/hashes/sha2.js";
import { HEADER_BYTES, ImageError, SIGNATURE_BYTES } from "../../../../os/boot/image.js";
import { verifyEd25519 } from "../../../../os/boot/signing.js";
import type { OptionValues } from "./commands.js";
import { checkedImage } from "../tools/flasher.js";
import { fileOption, hexOption, UsageError } from "./options.js";

/**
 * `hearth image inspect FILE [--pub KEY] [--json]`: what an image is (as
 * esptool's image_info says), and with --pub whether its signature verifies.
 * Exit 0 when it is a whole image (and verifies, with --pub), 1 when its
 * signature does not verify, 2 when it is not an image.
 */
export function imageCommand(rest: string[], values: OptionValues): number {
  const file = rest[1];
  if (rest[0] !== "inspect" || file === undefined) throw new UsageError("try hearth image inspect FILE [--pub KEY]");
  const bytes = new Uint8Array(fileOption("the image", file));
  let image;
  try {
    image = checkedImage(bytes);
  } catch (error) {
    if (error instanceof ImageError) throw new UsageError(`${file} is not a Hearth firmware image: ${error.problem === "bad-magic" ? "it does not begin with HFW1" : error.message}`);
    throw error;
  }
  const publicKey = values.pub === undefined ? undefined : hexOption("pub", fileOption("--pub", values.pub).toString("utf8").trim());
  const signed = image.bytes.subarray(0, HEADER_BYTES + image.bundleBytes);
  const verifies = publicKey === undefined ? undefined : safeVerify(image.signature, signed, publicKey);
  const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
  const facts = {
    file,
    board: image.board,
    version: image.version.join("."),
    securityCounter: image.securityCounter,
    bytes: image.bytes.length,
    bundleBytes: image.bundleBytes,
    bundleSha256: hex(image.bundleSha256),
    imageSha256: hex(sha256(image.bytes)),
    signature: verifies === undefined ? "not checked" : verifies ? "verifies" : "does not verify",
  };
  if (values.json === true) console.log(JSON.stringify(facts));
  else {
    console.log(`${file}: Hearth firmware image`);
    console.log(`  board      ${facts.board}`);
    console.log(`  version    ${facts.version}`);
    console.log(`  counter    ${facts.securityCounter} (security counter)`);
    console.log(`  size       ${facts.bytes} bytes (header ${HEADER_BYTES}, bundle ${facts.bundleBytes}, signature ${SIGNATURE_BYTES})`);
    console.log(`  bundle     sha256 ${facts.bundleSha256} (matches its header)`);
    console.log(`  image      sha256 ${facts.imageSha256}`);
    console.log(`  signature  ${verifies === undefined ? "not checked (give --pub KEY)" : `${facts.signature} with ${values.pub}`}`);
  }
  return verifies === false ? 1 : 0;
}

function safeVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return verifyEd25519(signature, message, publicKey);
  } catch {
    return false;
  }
}
