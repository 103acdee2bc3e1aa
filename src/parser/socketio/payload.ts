// Shape rules for packet payloads, shared by the decoder (wire input) and `isPacketValid`
// (packets built in memory, e.g. by adapters relaying between nodes). Same rules as upstream
// socket.io-parser 4.x.
import { PacketType } from "./packet";

/** Event names a peer may not send: the receiving library fires them itself. */
const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

const objectToString = Object.prototype.toString;

/** A plain-ish object (not an array, null, Date, Buffer...), judged as upstream does. */
export function isObject(value: unknown): boolean {
  return objectToString.call(value) === "[object Object]";
}

/** EVENT data: an array whose first item is a number or a non-reserved event name. */
function isEventData(payload: unknown): boolean {
  if (!Array.isArray(payload)) return false;
  const name: unknown = payload[0];
  return typeof name === "number" || (typeof name === "string" && !RESERVED_EVENTS.has(name));
}

/**
 * Whether a payload that was present on the wire fits the packet type. DISCONNECT carries
 * none, so any payload is invalid for it.
 */
export function isPayloadValid(type: PacketType, payload: unknown): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return isObject(payload);
    case PacketType.DISCONNECT:
      return payload === undefined;
    case PacketType.CONNECT_ERROR:
      return typeof payload === "string" || isObject(payload);
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      return isEventData(payload);
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return Array.isArray(payload);
    default:
      return false;
  }
}

/**
 * Validates a decoded (non-binary-typed) packet object, as upstream's `isPacketValid`:
 * string namespace, integer or absent ack id, data fitting the type.
 *
 * @example
 * isPacketValid({ type: PacketType.EVENT, nsp: "/", data: ["chat"] }) // true
 * isPacketValid({ type: PacketType.EVENT, nsp: "/", data: {} })       // false
 */
export function isPacketValid(packet: { type: unknown; nsp: unknown; id?: unknown; data?: unknown }): boolean {
  if (typeof packet.nsp !== "string") return false;
  if (packet.id !== undefined && !Number.isInteger(packet.id)) return false;
  switch (packet.type) {
    case PacketType.CONNECT:
      return packet.data === undefined || isObject(packet.data);
    case PacketType.DISCONNECT:
      return packet.data === undefined;
    case PacketType.EVENT:
      return isEventData(packet.data);
    case PacketType.ACK:
      return Array.isArray(packet.data);
    case PacketType.CONNECT_ERROR:
      return typeof packet.data === "string" || isObject(packet.data);
    default:
      return false;
  }
}
