// The pure-TypeScript twin of every native function: same signatures, same errors.
import type { NativeFunctions } from "../types";
import { decodePayload, encodePayload } from "./payload";
import { jsonStringIsPlain } from "./json-string";

export { decodePayload, encodePayload } from "./payload";
export { jsonStringIsPlain } from "./json-string";

/** The twin as one object, shaped like the addon. */
export const twin: NativeFunctions = Object.freeze({
  decodePayload,
  encodePayload,
  jsonStringIsPlain,
});
