// Engine.IO v3 single packets (WebSocket frames, and the records inside v3 polling payloads).
//
// Text packets are written exactly as in v4 ("4hello"). Binary differs:
// - a binary frame starts with the packet type as a byte (0x04 for a message), then the data;
// - a client that cannot take binary (`b64=1`) gets "b" + type digit + base64 ("b4AQI="),
//   and may send the same form.
//
// Invariant, as in the v4 codec: decoding returns a valid packet or throws an
// EngineParseError with a stable code.
import { EngineParseError, EngineParseErrorCode } from "../errors";
import { decodeBase64, decodePacket, toBuffer } from "../packet";
import { PACKET_CODES, Packet, RawData, TYPES_BY_DIGIT } from "../packet-types";
import type { BinaryLike } from "../packet";

/** Engine.IO protocol revision implemented by this codec. */
export const protocolV3 = 3;

/** Numeric packet type for the leading byte of a v3 binary frame. */
const TYPE_BYTES: Readonly<Record<Packet["type"], number>> = Object.freeze({
  open: 0,
  close: 1,
  ping: 2,
  pong: 3,
  message: 4,
  upgrade: 5,
  noop: 6,
});

/**
 * Encodes one packet for a v3 peer: text as in v4; binary data as a type byte + data when
 * `supportsBinary`, else as "b" + type digit + base64 text.
 *
 * @example
 * encodePacketV3({ type: "message", data: Buffer.from([1]) }, true)  // <Buffer 04 01>
 * encodePacketV3({ type: "message", data: Buffer.from([1]) }, false) // "b4AQ=="
 */
export function encodePacketV3(
  packet: { type: Packet["type"]; data?: RawData | BinaryLike },
  supportsBinary: boolean,
): string | Buffer {
  const { data } = packet;
  if (data === undefined) return PACKET_CODES[packet.type];
  if (typeof data === "string") return PACKET_CODES[packet.type] + data;
  const buf = toBuffer(data);
  if (!supportsBinary) return "b" + PACKET_CODES[packet.type] + buf.toString("base64");
  const out = Buffer.allocUnsafe(buf.length + 1);
  out[0] = TYPE_BYTES[packet.type];
  buf.copy(out, 1);
  return out;
}

/**
 * Decodes a v3 text packet: "b" + type digit + base64 (binary data sent by a `b64=1` peer),
 * else exactly as v4 text.
 *
 * @throws EngineParseError
 * @example
 * decodeTextPacketV3("b4AQ==") // { type: "message", data: <Buffer 01> }
 */
export function decodeTextPacketV3(text: string): Packet {
  if (text.charCodeAt(0) !== 98 /* b */) return decodePacket(text);
  const type = TYPES_BY_DIGIT[text.charCodeAt(1) - 48];
  if (type === undefined) {
    throw new EngineParseError(EngineParseErrorCode.UNKNOWN_TYPE, "unknown packet type in base64 packet");
  }
  return { type, data: decodeBase64(text.slice(2)) };
}

/**
 * Decodes a v3 binary packet: the type byte, then the data (a view of `bytes`, not a copy).
 *
 * @throws EngineParseError
 * @example
 * decodeBinaryPacketV3(Buffer.from([4, 1, 2])) // { type: "message", data: <Buffer 01 02> }
 */
export function decodeBinaryPacketV3(bytes: Buffer): Packet {
  if (bytes.length === 0) throw new EngineParseError(EngineParseErrorCode.EMPTY_PACKET, "empty binary packet");
  const type = TYPES_BY_DIGIT[bytes[0]];
  if (type === undefined) {
    throw new EngineParseError(EngineParseErrorCode.UNKNOWN_TYPE, "unknown packet type in binary packet");
  }
  return { type, data: bytes.subarray(1) };
}
