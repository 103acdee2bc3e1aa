// The Socket.IO codec interface the server layer consumes: upstream socket.io-parser 4.x's,
// so `socket.io-msgpack-parser` (or any compatible codec) plugs in through the `parser` option.
import type { EventEmitter } from "node:events";

/** Socket.IO packet types (protocol v5). */
export enum PacketType {
  CONNECT = 0,
  DISCONNECT = 1,
  EVENT = 2,
  ACK = 3,
  CONNECT_ERROR = 4,
  BINARY_EVENT = 5,
  BINARY_ACK = 6,
}

/** A decoded or to-be-encoded Socket.IO packet. */
export interface Packet {
  type: PacketType;
  nsp: string;
  data?: any;
  id?: number;
  attachments?: number;
}

/** Encodes one packet into a string followed by its binary attachments (or one Buffer). */
export interface Encoder {
  encode(packet: Packet): Array<string | Buffer | Uint8Array>;
}

/** Accumulates frames and emits `decoded` with each complete packet. */
export interface Decoder extends EventEmitter {
  add(chunk: any): void;
  destroy(): void;
}

/** A codec module, as passed in the `parser` option. */
export interface Parser {
  Encoder: new () => Encoder;
  Decoder: new () => Decoder;
}
