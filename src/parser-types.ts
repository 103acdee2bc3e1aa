// The Socket.IO codec interface the server layer consumes: upstream socket.io-parser 4.x's,
// so `socket.io-msgpack-parser` (or any compatible codec) plugs in through the `parser` option.
import type { EventEmitter } from "node:events";

// The packet model is the codec's own (upstream's shape, which every compatible codec shares).
export { PacketType } from "./parser/socketio/packet";
import type { Packet } from "./parser/socketio/packet";
export type { Packet };

/** Encodes one packet into a string followed by its binary attachments (or one Buffer). */
export interface Encoder {
  encode(packet: Packet): Array<string | Buffer | Uint8Array>;
}

/** Accumulates frames and emits `decoded` with each complete packet. */
export interface Decoder extends EventEmitter {
  add(chunk: any): void;
  destroy(): void;
  /** hyperio's own Decoder: a direct reader instead of a "decoded" listener (see decoder.ts). */
  attachConsumer?(consumer: { onDecodedPacket(packet: Packet): void }): boolean;
  detachConsumer?(consumer: { onDecodedPacket(packet: Packet): void }): void;
}

/** A codec module, as passed in the `parser` option. */
export interface Parser {
  Encoder: new () => Encoder;
  Decoder: new () => Decoder;
}
