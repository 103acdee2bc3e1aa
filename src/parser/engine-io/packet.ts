// Single-packet encoding and decoding (WebSocket frames and polling payload records).
//
// Invariants: encoding never fails for a well-typed packet; decoding either returns a valid
// packet or throws an EngineParseError with a stable code, never a half-built packet.
import { EngineParseError, EngineParseErrorCode } from "./errors";
import { PACKET_CODES, Packet, RawData, TYPES_BY_DIGIT } from "./packet-types";

/** Anything a caller may hand us as binary message data. */
export type BinaryLike = Buffer | ArrayBuffer | ArrayBufferView;

/** Views binary data as a Buffer without copying. */
export function toBuffer(data: BinaryLike): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** True for any binary type the codec accepts as message data. */
export function isBinary(data: unknown): data is BinaryLike {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

/**
 * Encodes one packet. Binary message data is returned as is (a Buffer view) when
 * `supportsBinary` is true, otherwise as `b` + base64 text.
 *
 * @example
 * encodePacket({ type: "message", data: "hi" }, true) // "4hi"
 * encodePacket({ type: "message", data: Buffer.from([1]) }, false) // "bAQ=="
 */
export function encodePacket(
  packet: { type: Packet["type"]; data?: RawData | BinaryLike },
  supportsBinary: boolean,
): string | Buffer {
  const { data } = packet;
  if (data !== undefined && typeof data !== "string") {
    const buf = toBuffer(data);
    return supportsBinary ? buf : "b" + buf.toString("base64");
  }
  return data === undefined ? PACKET_CODES[packet.type] : PACKET_CODES[packet.type] + data;
}

/**
 * Decodes the base64 body of a `b` record, accepting only canonical padded base64 (what the
 * official clients send). Node's decoder is lenient: it skips characters outside the
 * alphabet and stops at a stray "=", so any such input decodes to fewer bytes than its
 * length promises; it also accepts the base64url characters "-" and "_", checked apart.
 * This costs two native scans instead of a regex over the whole text (measured ~9x faster
 * on 64 KiB).
 */
export function decodeBase64(text: string): Buffer {
  const len = text.length;
  if (len % 4 === 0) {
    const buf = Buffer.from(text, "base64");
    const pad = len === 0 ? 0 : text.charCodeAt(len - 1) !== 61 ? 0 : text.charCodeAt(len - 2) !== 61 ? 1 : 2;
    if (buf.length === (len / 4) * 3 - pad && text.indexOf("-") === -1 && text.indexOf("_") === -1) return buf;
  }
  throw new EngineParseError(EngineParseErrorCode.BAD_BASE64, "invalid base64 in binary packet");
}

/**
 * Decodes one packet: a text frame / payload record, or a binary frame (always a message).
 * `allowBase64` accepts `b` + base64 records (polling payloads only; on WebSocket a
 * binary message arrives as a binary frame).
 *
 * @throws EngineParseError
 * @example
 * decodePacket("4hello") // { type: "message", data: "hello" }
 */
export function decodePacket(encoded: string | BinaryLike, allowBase64 = false): Packet {
  if (typeof encoded !== "string") {
    if (!isBinary(encoded)) {
      throw new EngineParseError(EngineParseErrorCode.INVALID_INPUT, "packet is neither string nor binary");
    }
    return { type: "message", data: toBuffer(encoded) };
  }
  if (encoded.length === 0) {
    throw new EngineParseError(EngineParseErrorCode.EMPTY_PACKET, "empty packet");
  }
  const code = encoded.charCodeAt(0);
  if (code === 98 /* b */ && allowBase64) {
    return { type: "message", data: decodeBase64(encoded.slice(1)) };
  }
  const type = TYPES_BY_DIGIT[code - 48];
  if (type === undefined) {
    throw new EngineParseError(EngineParseErrorCode.UNKNOWN_TYPE, "unknown packet type");
  }
  return encoded.length > 1 ? { type, data: encoded.slice(1) } : { type };
}
