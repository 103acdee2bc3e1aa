// The Engine.IO v4 codec: packets (WebSocket frames) and polling payloads.
export { protocol, PACKET_CODES, SEPARATOR } from "./packet-types";
export type { Packet, PacketType, PacketOptions, RawData } from "./packet-types";
export { encodePacket, decodePacket, decodeBase64, toBuffer, isBinary } from "./packet";
export type { BinaryLike } from "./packet";
export { encodePayload, decodePayload } from "./payload";
export type { DecodePayloadOptions } from "./payload";
export { decodePayloadBytes, encodePayloadWire, POLLING_NATIVE_MIN_BYTES_DECODE } from "./payload-bytes";
export type { DecodePayloadBytesOptions } from "./payload-bytes";
export { EngineParseError, EngineParseErrorCode } from "./errors";
