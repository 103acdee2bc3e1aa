// Socket.IO v5 packet header scan, the twin of native/src/packet_header.cc.
//
// Same rules as socket.io-parser 4.x decodeString, minus its loose Number() coercions,
// which no encoder produces: type is one digit 0..6 (an empty packet is rejected, where
// upstream reads it as CONNECT); BINARY_EVENT/BINARY_ACK carry 1..10 decimal digits then
// "-", value >= 1 and <= maxAttachments; a namespace starts with "/" and runs to "," or
// the end; an ack id is 1..15 decimal digits (upstream reads any number of digits, and
// whitespace); data starts right after.
import { createNativeError, NativeErrorCode } from "../errors";
import type { ByteInput } from "../types";
import { bytesArg, uint32Arg } from "./args";

const MAX_ATTACHMENT_DIGITS = 10;
const MAX_ACK_ID_DIGITS = 15;
const ZERO = 0x30;
const DASH = 0x2d;
const SLASH = 0x2f;
const COMMA = 0x2c;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}

// One scan for both input kinds: V8 inlines `at` and the typeof branch predicts perfectly.
function at(src: string | Uint8Array, i: number): number {
  return typeof src === "string" ? src.charCodeAt(i) : src[i];
}

function scan(src: string | Uint8Array, n: number, maxAttachments: number, out: Float64Array): void {
  if (n === 0) throw createNativeError(NativeErrorCode.BAD_PACKET_TYPE);
  const c = at(src, 0);
  if (c < ZERO || c > ZERO + 6) throw createNativeError(NativeErrorCode.BAD_PACKET_TYPE);
  let attachments = 0;
  let i = 0; // index of the last header unit consumed
  if (c === ZERO + 5 || c === ZERO + 6) {
    let j = 1;
    let value = 0;
    let digits = 0;
    while (j < n && digits < MAX_ATTACHMENT_DIGITS) {
      const u = at(src, j);
      if (!isDigit(u)) break;
      value = value * 10 + (u - ZERO);
      j++;
      digits++;
    }
    if (digits === 0 || j >= n || at(src, j) !== DASH || value < 1) {
      throw createNativeError(NativeErrorCode.BAD_ATTACHMENTS);
    }
    if (value > maxAttachments) throw createNativeError(NativeErrorCode.TOO_MANY_ATTACHMENTS);
    attachments = value;
    i = j;
  }
  let nspStart = -1;
  let nspEnd = -1;
  if (i + 1 < n && at(src, i + 1) === SLASH) {
    let j = i + 1;
    while (j < n && at(src, j) !== COMMA) j++;
    nspStart = i + 1;
    nspEnd = j;
    i = j;
  }
  let ackId = -1;
  if (i + 1 < n && isDigit(at(src, i + 1))) {
    let j = i + 1;
    let value = 0;
    let digits = 0;
    while (j < n) {
      const u = at(src, j);
      if (!isDigit(u)) break;
      if (++digits > MAX_ACK_ID_DIGITS) throw createNativeError(NativeErrorCode.BAD_ACK_ID);
      value = value * 10 + (u - ZERO);
      j++;
    }
    ackId = value;
    i = j - 1;
  }
  out[0] = c - ZERO;
  out[1] = attachments;
  out[2] = nspStart;
  out[3] = nspEnd;
  out[4] = ackId;
  out[5] = i + 1 < n ? i + 1 : n;
}

/** @see ScanPacketHeaderFn */
export function scanPacketHeader(input: string | ByteInput, maxAttachments: number, out: Float64Array): void {
  const src = typeof input === "string" || input instanceof Uint8Array ? input : bytesArg(input, "input");
  const max = uint32Arg(maxAttachments, "maxAttachments");
  if (!(out instanceof Float64Array) || out.length < 6) {
    throw createNativeError(NativeErrorCode.BAD_ARGUMENT, "out");
  }
  scan(src, src.length, max, out);
}
