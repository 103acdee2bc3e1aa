// Polling payloads straight from / to bytes, with the native codec (src/native) where it
// measurably beats the string codec of payload.ts. Results and errors are those of
// payload.ts in every case: the native path only ever answers when its answer is provably
// the same, and hands anything else (errors included) to the string codec.
//
// - decode: native from POLLING_NATIVE_MIN_BYTES_DECODE for bodies whose records average
//   POLLING_NATIVE_MIN_AVG_RECORD_BYTES (measured below); the string codec otherwise. The
//   twin never beats the string codec, so without the addon the string codec does it all.
// - encode: the string codec, except for batches carrying at least
//   NATIVE_MIN_BYTES_ENCODE_PAYLOAD bytes of binary data, which encodePayloadAuto writes
//   as base64 straight into one Buffer (`npx tsx bench/engine-polling-codec.bench.ts`, µs
//   string codec -> native: 87 KiB 40 -> 20, 350 KiB 410 -> 60).
import { decodePayload as nativeDecodePayload, encodePayloadAuto, nativeInfo, NATIVE_MIN_BYTES_ENCODE_PAYLOAD } from "../../native";
import { EngineParseError, EngineParseErrorCode } from "./errors";
import { encodePacket, isBinary } from "./packet";
import { Packet, TYPES_BY_DIGIT } from "./packet-types";
import { decodePayload, DecodePayloadOptions, encodePayload } from "./payload";

/**
 * Polling bodies from this size (bytes) are decoded by the native addon when it is loaded
 * (and their records are large enough, below). Native vs the string codec, as packets either
 * way (`npx tsx bench/native-codec.bench.ts`, "polling decode" rows, str/nat > 1 means
 * native is faster; Node 20, x86-64):
 *
 * | body                      | 1 KiB | 4 KiB | 16 KiB | 64 KiB | 256 KiB | 1 MiB |
 * |---------------------------|-------|-------|--------|--------|---------|-------|
 * | one ASCII text record     | 0.61  | 0.83  | 0.96   | 1.17   | 0.97    | 1.02  |
 * | one two-byte text record  | 1.59  | 1.90  | 2.08   | 2.11   | 1.25    | 1.22  |
 * | one binary record         | 0.89  | 1.50  | 1.42   | 1.58   | 38      | 35    |
 * | 4 KiB records, mixed      |       |       | 2.68   | 3.32   | 11      | 10    |
 *
 * Below 16 KiB native loses on ASCII text, the common case (JSON); from 16 KiB ASCII is
 * even and everything else wins. From 256 KiB a text record gains less (native makes one
 * large string too) while a binary one, which becomes a Buffer and no string, gains 35x.
 */
export const POLLING_NATIVE_MIN_BYTES_DECODE = 16 * 1024;

/**
 * ...and when their records average at least this many bytes. Each record the addon makes
 * is a string created through N-API, where the string codec makes one string for the whole
 * body and slices it (O(1) per record): bodies of 40-byte records decode 0.76-0.81x on
 * native from 1 to 64 KiB (same bench, "text x40B"), records of 4 KiB 2.7-3.3x faster.
 * (Bodies of small records gain 1.4-1.8x on native from 256 KiB, where the string codec's
 * one large string costs more; they stay on the string codec.)
 */
export const POLLING_NATIVE_MIN_AVG_RECORD_BYTES = 4 * 1024;

const MAX_UINT32 = 0xffffffff;
const RECORD_SEPARATOR_BYTE = 0x1e;

export interface DecodePayloadBytesOptions extends DecodePayloadOptions {
  /** Override of POLLING_NATIVE_MIN_BYTES_DECODE (tests use it to drive small inputs native). */
  nativeMinBytes?: number;
  /** Override of POLLING_NATIVE_MIN_AVG_RECORD_BYTES (same purpose). */
  nativeMinAvgRecordBytes?: number;
}

/**
 * Decodes a polling body (UTF-8 bytes): same packets and same EngineParseError as
 * `decodePayload(bytes.toString("utf8"), opts)`; `maxPayload` counts bytes here.
 *
 * @throws EngineParseError
 * @example
 * decodePayloadBytes(Buffer.from("4a\x1ebAQ==")) // [{type:"message",data:"a"},{type:"message",data:<Buffer 01>}]
 */
export function decodePayloadBytes(bytes: Uint8Array, opts: DecodePayloadBytesOptions = {}): Packet[] {
  if (!(bytes instanceof Uint8Array)) {
    throw new EngineParseError(EngineParseErrorCode.INVALID_INPUT, "payload must be bytes");
  }
  const maxPayload = opts.maxPayload ?? Infinity;
  if (bytes.length > maxPayload) {
    throw new EngineParseError(EngineParseErrorCode.PAYLOAD_TOO_LARGE, "payload exceeds maxPayload");
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    nativeInfo.native &&
    buf.length >= (opts.nativeMinBytes ?? POLLING_NATIVE_MIN_BYTES_DECODE) &&
    recordsAverageAtLeast(buf, opts.nativeMinAvgRecordBytes ?? POLLING_NATIVE_MIN_AVG_RECORD_BYTES)
  ) {
    const packets = decodeNative(buf, opts.maxPackets);
    if (packets !== undefined) return packets;
  }
  return decodePayload(buf.toString("utf8"), opts);
}

/**
 * Whether the body's records average at least `minBytes`: counts separators (memchr, via
 * Buffer#indexOf) and stops as soon as there are too many, so a body of many small records
 * costs only a scan of its first few (about 2 µs for 59 KB of 37-byte records).
 */
function recordsAverageAtLeast(body: Buffer, minBytes: number): boolean {
  if (minBytes <= 0) return true;
  let separatorsLeft = Math.floor(body.length / minBytes) - 1;
  if (separatorsLeft < 0) return false;
  let at = body.indexOf(RECORD_SEPARATOR_BYTE);
  while (at !== -1) {
    if (--separatorsLeft < 0) return false;
    at = body.indexOf(RECORD_SEPARATOR_BYTE, at + 1);
  }
  return true;
}

/**
 * The native decode, or undefined when its answer may differ from the string codec's: any
 * native error (the string codec then finds the same failure, and reports the first one
 * from the left as it always did), an empty or unknown record, or a binary record that was
 * not padded base64 (native accepts unpadded base64; the string codec only canonical).
 */
function decodeNative(bytes: Uint8Array, maxPackets: number | undefined): Packet[] | undefined {
  let records: Array<string | Buffer>;
  try {
    const maxRecords = maxPackets === undefined || maxPackets > MAX_UINT32 ? MAX_UINT32 : maxPackets;
    records = nativeDecodePayload(bytes, maxRecords, MAX_UINT32);
  } catch {
    return undefined;
  }
  const packets = new Array<Packet>(records.length);
  let unpaddedPossible = false;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (typeof r !== "string") {
      packets[i] = { type: "message", data: r };
      if (r.length % 3 !== 0) unpaddedPossible = true;
      continue;
    }
    const type = r.length === 0 ? undefined : TYPES_BY_DIGIT[r.charCodeAt(0) - 48];
    if (type === undefined) return undefined;
    packets[i] = r.length > 1 ? { type, data: r.slice(1) } : { type };
  }
  if (unpaddedPossible && wireLength(packets) !== bytes.length) return undefined;
  return packets;
}

/**
 * Length of the body these packets came from if every binary record was padded base64 and
 * every text record valid UTF-8. Otherwise the body is shorter than this (an unpadded
 * record is shorter than its padded form; an invalid UTF-8 sequence of 1-3 bytes decoded
 * to one U+FFFD, 3 bytes), so equality proves every binary record padded.
 */
function wireLength(packets: Packet[]): number {
  let n = packets.length - 1;
  for (const p of packets) {
    const d = p.data;
    if (d === undefined) n += 1;
    else if (typeof d === "string") n += 1 + Buffer.byteLength(d, "utf8");
    else n += 1 + Math.ceil(d.length / 3) * 4;
  }
  return n;
}

/**
 * Encodes packets for a polling response: the string of `encodePayload`, or the same bytes
 * as one Buffer when the batch carries enough binary data for encodePayloadAuto to pay.
 *
 * @example
 * encodePayloadWire([{ type: "message", data: "a" }]) // "4a"
 */
export function encodePayloadWire(packets: readonly Packet[]): string | Buffer {
  let binaryBytes = 0;
  for (let i = 0; i < packets.length; i++) {
    const d = packets[i].data;
    if (d !== undefined && typeof d !== "string") binaryBytes += d.length;
  }
  if (binaryBytes < NATIVE_MIN_BYTES_ENCODE_PAYLOAD) return encodePayload(packets);
  const encoded = new Array<string | Buffer>(packets.length);
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    // Binary data travels as "b" + base64 whatever the packet type, as encodePacket does.
    encoded[i] = p.data !== undefined && isBinary(p.data) ? p.data : (encodePacket(p, false) as string);
  }
  return encodePayloadAuto(encoded);
}
