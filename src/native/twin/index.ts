// The pure-TypeScript twin of every native function: same signatures, same errors.
import type { NativeFunctions } from "../types";
import { scanPacketHeader } from "./packet-header";
import { decodePayload, encodePayload, scanRecords } from "./payload";
import { jsonStringIsPlain } from "./json-string";

export { scanPacketHeader } from "./packet-header";
export { decodePayload, encodePayload, scanRecords } from "./payload";
export { jsonStringIsPlain } from "./json-string";

/** The twin as one object, shaped like the addon. */
export const twin: NativeFunctions = Object.freeze({
  scanRecords,
  decodePayload,
  encodePayload,
  scanPacketHeader,
  jsonStringIsPlain,
});
