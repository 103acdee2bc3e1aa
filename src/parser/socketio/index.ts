// Public surface of the Socket.IO v5 codec: the same exports as upstream socket.io-parser 4.x
// (protocol, PacketType, Encoder, Decoder, isPacketValid), so the server's `parser` option can
// take either this module or socket.io-msgpack-parser, plus hyperio's broadcast fast path.
export { protocol, PacketType } from "./packet";
export type { Packet, Binary, Replacer, Reviver } from "./packet";
export { Encoder } from "./encoder";
export { Decoder, DEFAULT_MAX_ATTACHMENTS } from "./decoder";
export type { DecoderOptions } from "./decoder";
export { isPacketValid } from "./payload";
export { encodeOnce, encodeAsString } from "./encode";
export type { EncodedPacket } from "./encode";
export { hasBinary, isBinary } from "./is-binary";
export { SocketIOParseError, SocketIOParseErrorCode } from "./errors";
