// hyperio's native boundary: byte-level helpers for the Engine.IO and Socket.IO codecs,
// backed by the C++ addon (the shipped prebuilt binary, or a build from source) when one
// loads and by a TypeScript twin otherwise (loader.ts). The choice is made once, at first
// import; callers never know which one they got.
//
// Callers apply the measured thresholds of thresholds.ts (encodePayloadAuto does it for
// encodePayload); below them the twin, or the codec's own JS, is faster.
//
// @example
//   import { encodePayloadAuto, nativeInfo } from "../native";
//   const wire = encodePayloadAuto(["4hello", someBuffer]); // Buffer
//   nativeInfo.source; // "prebuilt" | "built from source" | "twin"
import { load, type NativeInfo } from "./loader";
import { NATIVE_MIN_BYTES_ENCODE_PAYLOAD } from "./thresholds";
import { twin } from "./twin";
import type { DecodePayloadFn, EncodedPacket, EncodePayloadFn, JsonStringIsPlainFn } from "./types";

const { functions, info } = load();

/** Which implementation is running, from where and why, e.g. `{ native: true, source: "prebuilt", path, reason }`. */
export const nativeInfo: NativeInfo = Object.freeze({ ...info });

/** @see DecodePayloadFn */
export const decodePayload: DecodePayloadFn = functions.decodePayload;
/** @see EncodePayloadFn */
export const encodePayload: EncodePayloadFn = functions.encodePayload;
/** @see JsonStringIsPlainFn */
export const jsonStringIsPlain: JsonStringIsPlainFn = functions.jsonStringIsPlain;

/**
 * encodePayload on the faster implementation for this batch (native once its binary
 * packets total NATIVE_MIN_BYTES_ENCODE_PAYLOAD, the twin otherwise). Same result and errors.
 */
export function encodePayloadAuto(packets: ReadonlyArray<EncodedPacket>): Buffer {
  let binaryBytes = 0;
  if (Array.isArray(packets)) {
    for (let i = 0; i < packets.length; i++) {
      const p: unknown = packets[i];
      if (typeof p !== "string" && (ArrayBuffer.isView(p) || p instanceof ArrayBuffer)) binaryBytes += p.byteLength;
    }
  }
  return binaryBytes >= NATIVE_MIN_BYTES_ENCODE_PAYLOAD ? encodePayload(packets) : twin.encodePayload(packets);
}

export { twin };
export { NativeCodecError, NativeErrorCode, createNativeError } from "./errors";
export type { NativeInfo, NativeSource } from "./loader";
export * from "./thresholds";
export type { ByteInput, EncodedPacket, NativeFunctions, DecodePayloadFn, EncodePayloadFn, JsonStringIsPlainFn } from "./types";
