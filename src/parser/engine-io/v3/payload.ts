// Engine.IO v3 polling payloads: several packets in one HTTP body, in one of two framings.
//
// - Text (`text/plain`): each record is `<length>:<packet>`, the length counted in UTF-16
//   code units of the packet text (what a JavaScript client's `string.length` says), binary
//   data as "b" + type digit + base64. Example: "6:4hello2:40".
// - Binary (`application/octet-stream`), used when the peer supports binary and the batch
//   carries binary data: each record is a kind byte (0 text, 1 binary), the decimal digits
//   of the record's byte length as bytes 0-9, a 255 byte, then the record: UTF-8 text, or
//   the type byte + data of a binary packet.
//
// Decoding is strict where upstream was lenient (it skipped a payload silently or read past
// a short record): a length prefix that is not 1-10 decimal digits, or that does not fit in
// what remains, fails with BAD_FRAMING before anything is allocated for that record; the
// record count is checked against `maxPackets` before each record is decoded.
import { EngineParseError, EngineParseErrorCode } from "../errors";
import type { Packet } from "../packet-types";
import { decodeBinaryPacketV3, decodeTextPacketV3, encodePacketV3 } from "./packet";

export interface DecodePayloadV3Options {
  /** Maximum number of records (default: unlimited). */
  maxPackets?: number;
}

/** Longest length prefix accepted (10 digits: more than any body maxHttpBufferSize allows). */
const MAX_LENGTH_DIGITS = 10;
const COLON = 58;
const SEPARATOR_BYTE = 255;

function framingError(message: string): EngineParseError {
  return new EngineParseError(EngineParseErrorCode.BAD_FRAMING, message);
}

function tooMany(): EngineParseError {
  return new EngineParseError(EngineParseErrorCode.TOO_MANY_PACKETS, "payload has too many packets");
}

/** True when a packet carries binary data. */
function hasBinaryData(p: Packet): boolean {
  return p.data !== undefined && typeof p.data !== "string";
}

/**
 * Encodes packets into one v3 polling response body: the binary framing (a Buffer) when
 * `supportsBinary` and a packet carries binary data, else the text framing (a string).
 *
 * @example
 * encodePayloadV3([{ type: "message", data: "hello" }, { type: "pong" }], true) // "6:4hello1:3"
 */
export function encodePayloadV3(packets: readonly Packet[], supportsBinary: boolean): string | Buffer {
  if (supportsBinary && packets.some(hasBinaryData)) return encodeBinaryPayloadV3(packets);
  const parts = new Array<string>(packets.length);
  for (let i = 0; i < packets.length; i++) {
    const text = encodePacketV3(packets[i], false) as string;
    parts[i] = text.length + ":" + text;
  }
  return parts.join("");
}

function encodeBinaryPayloadV3(packets: readonly Packet[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of packets) {
    const encoded = encodePacketV3(p, true);
    const record = typeof encoded === "string" ? Buffer.from(encoded, "utf8") : encoded;
    const digits = String(record.length);
    const header = Buffer.allocUnsafe(digits.length + 2);
    header[0] = typeof encoded === "string" ? 0 : 1;
    for (let i = 0; i < digits.length; i++) header[i + 1] = digits.charCodeAt(i) - 48;
    header[digits.length + 1] = SEPARATOR_BYTE;
    chunks.push(header, record);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes a v3 text-framed body.
 *
 * @throws EngineParseError (BAD_FRAMING, TOO_MANY_PACKETS, or a record's own error)
 * @example
 * decodeTextPayloadV3("6:4hello1:2") // [{ type: "message", data: "hello" }, { type: "ping" }]
 */
export function decodeTextPayloadV3(payload: string, opts: DecodePayloadV3Options = {}): Packet[] {
  const len = payload.length;
  if (len === 0) throw framingError("empty payload");
  const maxPackets = opts.maxPackets ?? Infinity;
  const packets: Packet[] = [];
  let i = 0;
  while (i < len) {
    const start = i;
    let n = 0;
    for (;;) {
      if (i === len) throw framingError("length prefix without ':'");
      const c = payload.charCodeAt(i);
      if (c === COLON) break;
      if (c < 48 || c > 57 || i - start === MAX_LENGTH_DIGITS) throw framingError("invalid length prefix");
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === start) throw framingError("empty length prefix");
    i++; // the ':'
    if (n > len - i) throw framingError("record longer than the payload");
    // A zero-length record carries nothing (upstream skips it too).
    if (n > 0) {
      if (packets.length >= maxPackets) throw tooMany();
      packets.push(decodeTextPacketV3(payload.slice(i, i + n)));
    }
    i += n;
  }
  return packets;
}

/**
 * Decodes a v3 binary-framed body. Binary data in the packets are views of `bytes`.
 *
 * @throws EngineParseError (BAD_FRAMING, TOO_MANY_PACKETS, or a record's own error)
 * @example
 * decodeBinaryPayloadV3(Buffer.from([1, 3, 255, 4, 1, 2])) // [{ type: "message", data: <Buffer 01 02> }]
 */
export function decodeBinaryPayloadV3(bytes: Buffer, opts: DecodePayloadV3Options = {}): Packet[] {
  const len = bytes.length;
  if (len === 0) throw framingError("empty payload");
  const maxPackets = opts.maxPackets ?? Infinity;
  const packets: Packet[] = [];
  let i = 0;
  while (i < len) {
    const kind = bytes[i++];
    if (kind !== 0 && kind !== 1) throw framingError("invalid record kind");
    let n = 0;
    let digits = 0;
    for (;;) {
      if (i === len) throw framingError("length prefix without terminator");
      const d = bytes[i++];
      if (d === SEPARATOR_BYTE) break;
      if (d > 9 || digits === MAX_LENGTH_DIGITS) throw framingError("invalid length prefix");
      n = n * 10 + d;
      digits++;
    }
    if (digits === 0) throw framingError("empty length prefix");
    if (n > len - i) throw framingError("record longer than the payload");
    if (packets.length >= maxPackets) throw tooMany();
    const record = bytes.subarray(i, i + n);
    i += n;
    packets.push(kind === 0 ? decodeTextPacketV3(record.toString("utf8")) : decodeBinaryPacketV3(record));
  }
  return packets;
}
