/**
 * Model hashes `hearth build` has worked out (sdk/desk/node/tools/build.ts), by
 * `${id}@${version}`: in an image this module is replaced with the hash of
 * the model it speaks, so the image need not hash its model document as it
 * boots (on XS that was most of a boot's garbage). Empty here: the simulator
 * and the cloud work hashes out.
 */
export const BUILT_MODEL_HASHES: Readonly<Record<string, readonly number[]>> = {};
