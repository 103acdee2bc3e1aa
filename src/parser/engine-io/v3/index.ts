// The Engine.IO v3 codec, for Socket.IO v2 clients (`allowEIO3`). Same packet types and
// Packet shape as the v4 codec; only binary framing and polling payloads differ.
export { protocolV3, encodePacketV3, decodeTextPacketV3, decodeBinaryPacketV3 } from "./packet";
export { encodePayloadV3, decodeTextPayloadV3, decodeBinaryPayloadV3 } from "./payload";
export type { DecodePayloadV3Options } from "./payload";
