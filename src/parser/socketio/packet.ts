// The Socket.IO v5 packet model: the numeric packet types and the shape of a decoded or
// to-be-encoded packet. Mirrors upstream `socket.io-parser` 4.x so that code written
// against either (including `socket.io-msgpack-parser`) sees the same objects.

/** Socket.IO protocol revision spoken by this codec. */
export const protocol = 5;

/**
 * Socket.IO packet types. A regular TS enum so the reverse mapping
 * (`PacketType[2] === "EVENT"`) works as it does upstream.
 */
export enum PacketType {
  CONNECT = 0,
  DISCONNECT = 1,
  EVENT = 2,
  ACK = 3,
  CONNECT_ERROR = 4,
  BINARY_EVENT = 5,
  BINARY_ACK = 6,
}

/**
 * A Socket.IO packet. Decoded packets only carry `id` / `data` when they were on the wire,
 * and binary packets come out as EVENT / ACK with their attachments put back in place.
 */
export interface Packet {
  type: PacketType;
  nsp: string;
  data?: any;
  id?: number;
  /** Only meaningful when encoding a packet typed BINARY_EVENT / BINARY_ACK by hand. */
  attachments?: number;
}

/** Any binary value the codec recognises inside packet data (as upstream: Blob included). */
export type Binary = Buffer | ArrayBuffer | ArrayBufferView | Blob;

/** The JSON.stringify replacer / JSON.parse reviver signatures accepted by the codec. */
export type Replacer = (this: any, key: string, value: any) => any;
export type Reviver = (this: any, key: string, value: any) => any;
