// Engine.IO v4 polling payloads, the twin of native/src/payload.cc and records.cc.
import { createNativeError, NativeErrorCode } from "../errors";
import type { ByteInput, EncodedPacket } from "../types";
import { anyBytes, bytesArg, uint32Arg } from "./args";
import { decodeBase64Bytes, encodedLength } from "./base64";

const SEPARATOR = 0x1e;
const LETTER_B = 0x62;
const MAX_INPUT_BYTES = 0xffffffff;
const MAX_OUTPUT_BYTES = 0xffffffff;

function readArgs(bytes: unknown, maxRecords: unknown, maxRecordBytes: unknown): [Buffer, number, number] {
  const buf = bytesArg(bytes, "bytes");
  if (buf.length > MAX_INPUT_BYTES) throw createNativeError(NativeErrorCode.BAD_ARGUMENT, "bytes");
  return [buf, uint32Arg(maxRecords, "maxRecords"), uint32Arg(maxRecordBytes, "maxRecordBytes")];
}

// Left to right, each record is counted against maxRecords, then measured against
// maxRecordBytes; the search for a separator never goes past maxRecordBytes + 1 bytes.
function scanEnds(buf: Buffer, maxRecords: number, maxRecordBytes: number): number[] {
  const ends: number[] = [];
  const length = buf.length;
  let start = 0;
  for (;;) {
    const bounded = length - start > maxRecordBytes + 1;
    let hit: number;
    if (!bounded) hit = start < length ? buf.indexOf(SEPARATOR, start) : -1;
    else {
      hit = buf.subarray(start, start + maxRecordBytes + 1).indexOf(SEPARATOR);
      if (hit !== -1) hit += start;
    }
    if (ends.length + 1 > maxRecords) throw createNativeError(NativeErrorCode.TOO_MANY_RECORDS);
    if (hit === -1 && bounded) throw createNativeError(NativeErrorCode.RECORD_TOO_LARGE);
    const end = hit === -1 ? length : hit;
    if (end - start > maxRecordBytes) throw createNativeError(NativeErrorCode.RECORD_TOO_LARGE);
    ends.push(end);
    if (hit === -1) return ends;
    start = end + 1;
  }
}

/** @see DecodePayloadFn */
export function decodePayload(bytes: ByteInput, maxRecords: number, maxRecordBytes: number): Array<string | Buffer> {
  const [buf, max, maxBytes] = readArgs(bytes, maxRecords, maxRecordBytes);
  const ends = scanEnds(buf, max, maxBytes);
  const out = new Array<string | Buffer>(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    out[i] =
      end > start && buf[start] === LETTER_B
        ? decodeBase64Bytes(buf, start + 1, end)
        : buf.toString("utf8", start, end);
    start = end + 1;
  }
  return out;
}

/** @see EncodePayloadFn */
export function encodePayload(packets: ReadonlyArray<EncodedPacket>): Buffer {
  if (!Array.isArray(packets)) throw createNativeError(NativeErrorCode.BAD_ARGUMENT, "packets");
  const count = packets.length;
  // Read (and type-check) every element before measuring any, as the addon does: an index
  // getter is the only way other code can run here, and it must not change what was
  // already measured. A sparse array with a huge length fails at its first hole.
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const item: unknown = packets[i];
    if (typeof item !== "string" && !ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer)) {
      throw createNativeError(NativeErrorCode.BAD_ARGUMENT, "packets");
    }
    items.push(item);
  }
  const binary = new Array<Buffer | undefined>(count);
  let total = count > 0 ? count - 1 : 0;
  for (let i = 0; i < count; i++) {
    const packet = items[i];
    if (typeof packet === "string") {
      total += Buffer.byteLength(packet, "utf8");
    } else {
      const bytes = anyBytes(packet);
      if (bytes === undefined) throw createNativeError(NativeErrorCode.BAD_ARGUMENT, "packets");
      binary[i] = bytes;
      total += 1 + encodedLength(bytes.length);
    }
    if (total > MAX_OUTPUT_BYTES) throw createNativeError(NativeErrorCode.OUTPUT_TOO_LARGE);
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) out[offset++] = SEPARATOR;
    const bytes = binary[i];
    if (bytes === undefined) {
      offset += out.write(items[i] as string, offset, "utf8");
    } else {
      out[offset++] = LETTER_B;
      offset += out.write(bytes.toString("base64"), offset, "latin1");
    }
  }
  return out;
}
