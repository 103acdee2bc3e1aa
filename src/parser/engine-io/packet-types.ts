// The seven Engine.IO v4 packet types and their one-character wire codes.

/** Engine.IO protocol revision implemented by this codec. */
export const protocol = 4;

export type PacketType = "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop";

/** Data a packet may carry: text, or bytes for binary messages. */
export type RawData = string | Buffer;

export interface PacketOptions {
  /** Whether the transport may compress this packet (default true). */
  compress?: boolean;
  /** A WebSocket frame already encoded for this packet (used by fanout paths). */
  wsPreEncodedFrame?: unknown;
}

export interface Packet {
  type: PacketType;
  data?: RawData;
  options?: PacketOptions;
}

/** Wire character for each packet type. */
export const PACKET_CODES: Readonly<Record<PacketType, string>> = Object.freeze({
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
});

/** Packet type by wire char code minus 48 ("0"); index out of range means unknown. */
export const TYPES_BY_DIGIT: readonly PacketType[] = Object.freeze([
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
]);

/** ASCII record separator that joins packets in a polling payload. */
export const SEPARATOR = "\x1e";
