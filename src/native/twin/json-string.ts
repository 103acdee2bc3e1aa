// Twin of native/src/json_string.cc. A character loop: it exists for the contract (same
// answers, same errors), not for speed; on the twin the encoder never calls it and leaves
// every string to JSON.stringify.
import { createNativeError, NativeErrorCode } from "../errors";

/** @see JsonStringIsPlainFn */
export function jsonStringIsPlain(s: string): boolean {
  if (typeof s !== "string") throw createNativeError(NativeErrorCode.BAD_ARGUMENT, "string");
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0x20 && u !== 0x22 && u !== 0x5c && (u < 0xd800 || u > 0xdfff)) continue;
    if (u < 0xd800 || u > 0xdbff) return false; // control, quote, backslash or lone low surrogate
    const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
    if (next < 0xdc00 || next > 0xdfff) return false; // high surrogate without its low half
    i++;
  }
  return true;
}
