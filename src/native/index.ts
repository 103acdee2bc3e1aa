// hyperio's native boundary: byte-level helpers for the Engine.IO and Socket.IO codecs,
// backed by the C++ addon when it is built and by a TypeScript twin otherwise. The choice
// is made once, at first import; callers never know which one they got.
//
// Codecs should call the *Auto helpers, which apply the measured thresholds:
//
// @example
//   import { decodePayloadAuto, encodePayloadAuto } from "../native";
//   const records = decodePayloadAuto(body, 256, maxHttpBufferSize); // Array<string | Buffer>
//   const wire = encodePayloadAuto(["4hello", someBuffer]);           // Buffer
import { load, type NativeInfo } from "./loader";
import { NATIVE_MIN_BYTES_DECODE_PAYLOAD, NATIVE_MIN_BYTES_ENCODE_PAYLOAD } from "./thresholds";
import { twin } from "./twin";
import type {
  ByteInput,
  DecodePayloadFn,
  EncodedPacket,
  EncodePayloadFn,
  JsonStringIsPlainFn,
  ScanPacketHeaderFn,
  ScanRecordsFn,
} from "./types";

const { functions, info } = load();

/** Which implementation is running and why, e.g. `{ native: false, reason: "not built (...)" }`. */
export const nativeInfo: NativeInfo = Object.freeze({ ...info });

/** @see ScanRecordsFn */
export const scanRecords: ScanRecordsFn = functions.scanRecords;
/** @see DecodePayloadFn */
export const decodePayload: DecodePayloadFn = functions.decodePayload;
/** @see EncodePayloadFn */
export const encodePayload: EncodePayloadFn = functions.encodePayload;
/** @see ScanPacketHeaderFn */
export const scanPacketHeader: ScanPacketHeaderFn = functions.scanPacketHeader;
/** @see JsonStringIsPlainFn */
export const jsonStringIsPlain: JsonStringIsPlainFn = functions.jsonStringIsPlain;

/**
 * decodePayload on the faster implementation for this body's size (native from
 * NATIVE_MIN_BYTES_DECODE_PAYLOAD, the twin below). Same result and errors either way.
 */
export function decodePayloadAuto(bytes: ByteInput, maxRecords: number, maxRecordBytes: number): Array<string | Buffer> {
  const size = (bytes as { byteLength?: unknown }).byteLength;
  return typeof size === "number" && size >= NATIVE_MIN_BYTES_DECODE_PAYLOAD
    ? decodePayload(bytes, maxRecords, maxRecordBytes)
    : twin.decodePayload(bytes, maxRecords, maxRecordBytes);
}

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
export type { NativeInfo } from "./loader";
export * from "./thresholds";
export {
  PacketHeaderSlot,
  PACKET_HEADER_SLOTS,
  type ByteInput,
  type EncodedPacket,
  type NativeFunctions,
  type ScanRecordsFn,
  type DecodePayloadFn,
  type EncodePayloadFn,
  type ScanPacketHeaderFn,
  type JsonStringIsPlainFn,
} from "./types";
