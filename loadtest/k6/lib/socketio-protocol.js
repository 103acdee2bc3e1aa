// Client side of Socket.IO v5 as plain functions over strings and bytes, on top of the
// Engine.IO v4 framing in engineio-protocol.js, which this module re-exports so that load
// scripts import every protocol piece from one place.
//
// Invariant (checked against upstream's socket.io-parser by the node tests): a Socket.IO
// packet is the data of one Engine.IO MESSAGE. Binary arguments are replaced by
// {"_placeholder":true,"num":n} and follow as n separate binary MESSAGE packets, in order.
//
// No imports of Node built-ins and no Buffer/TextEncoder: k6's goja runtime loads this file.

import { EngineType, describeFrame, isBinary } from "./engineio-protocol.js";

export * from "./engineio-protocol.js";

/** @typedef {import("./engineio-protocol.js").Binary} Binary */
/** @typedef {import("./engineio-protocol.js").EngineFrame} EngineFrame */

/** Socket.IO protocol revision spoken here. */
export const SOCKET_PROTOCOL = 5;

/** Socket.IO packet types, as the first digit of a Socket.IO packet. */
export const PacketType = Object.freeze({
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
});

/** Upstream socket.io-parser's default cap on attachments per packet. */
export const DEFAULT_MAX_ATTACHMENTS = 10;

/**
 * A Socket.IO packet. `attachments` is set on a decoded BINARY_* header whose binary parts
 * have not been put back yet.
 * @typedef {object} SocketPacket
 * @property {number} type one of the PacketType values
 * @property {string} nsp namespace, "/" by default
 * @property {number} [id] ack id
 * @property {any} [data] JSON payload; for events an array whose first item is the name
 * @property {number} [attachments] binary parts announced by the header
 */

/**
 * Encodes a Socket.IO packet into its text part followed by its binary attachments (what
 * upstream's Encoder#encode returns). EVENT/ACK whose data holds binary become
 * BINARY_EVENT/BINARY_ACK.
 * @param {SocketPacket} packet
 * @returns {[string, ...Binary[]]}
 * @example encodeSocketPacket({ type: PacketType.EVENT, nsp: "/", id: 1, data: ["ev", 2] }) // ['21["ev",2]']
 */
export function encodeSocketPacket(packet) {
  let type = packet.type;
  let data = packet.data;
  /** @type {Binary[]} */
  const attachments = [];
  const carriesBinary =
    type === PacketType.EVENT || type === PacketType.ACK || type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK;
  if (carriesBinary && data !== undefined) {
    data = deconstruct(data, attachments, false);
    if (attachments.length > 0 && type === PacketType.EVENT) type = PacketType.BINARY_EVENT;
    if (attachments.length > 0 && type === PacketType.ACK) type = PacketType.BINARY_ACK;
  }
  let text = String(type);
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) text += attachments.length + "-";
  if (packet.nsp && packet.nsp !== "/") text += packet.nsp + ",";
  if (packet.id !== undefined && packet.id !== null) text += packet.id;
  if (data !== undefined) text += JSON.stringify(data);
  return [text, ...attachments];
}

/**
 * Decodes the text part of a Socket.IO packet. For BINARY_* packets the data still holds
 * placeholders and `attachments` says how many binary parts follow (see SocketDecoder).
 * @param {string} text
 * @returns {SocketPacket}
 */
export function decodeSocketPacket(text) {
  const type = text.charCodeAt(0) - 48;
  if (!(type >= PacketType.CONNECT && type <= PacketType.BINARY_ACK)) {
    throw new Error("socket.io: unknown packet type in " + describeFrame(text));
  }
  let i = 1;
  /** @type {SocketPacket} */
  const packet = { type, nsp: "/" };
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const dash = text.indexOf("-", i);
    const count = dash < 0 ? "" : text.slice(i, dash);
    if (!/^\d+$/.test(count)) throw new Error("socket.io: bad attachment count in " + describeFrame(text));
    packet.attachments = Number(count);
    i = dash + 1;
  }
  if (text[i] === "/") {
    const comma = text.indexOf(",", i);
    const end = comma < 0 ? text.length : comma;
    packet.nsp = text.slice(i, end);
    i = comma < 0 ? end : end + 1;
  }
  const idStart = i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i > idStart) packet.id = Number(text.slice(idStart, i));
  if (i < text.length) packet.data = JSON.parse(text.slice(i));
  checkPayload(packet, text);
  return packet;
}

/**
 * Puts binary parts back in place of their placeholders.
 * @param {any} data
 * @param {Binary[]} attachments
 * @returns {any}
 */
export function reconstruct(data, attachments) {
  if (Array.isArray(data)) return data.map((item) => reconstruct(item, attachments));
  if (data === null || typeof data !== "object") return data;
  if (data._placeholder === true) {
    const num = data.num;
    if (!(Number.isInteger(num) && num >= 0 && num < attachments.length)) {
      throw new Error("socket.io: placeholder " + JSON.stringify(data) + " names no attachment");
    }
    return attachments[num];
  }
  /** @type {Record<string, any>} */
  const out = {};
  for (const key of Object.keys(data)) out[key] = reconstruct(data[key], attachments);
  return out;
}

/**
 * Reassembles Socket.IO packets from the data of consecutive Engine.IO MESSAGE packets: a
 * BINARY_* header is held until its attachments have arrived, then reported as EVENT/ACK.
 * @example
 * const decoder = new SocketDecoder();
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]'); // null, one part outstanding
 * decoder.add(bytes); // { type: 2, nsp: "/", data: ["file", bytes] }
 */
export class SocketDecoder {
  /** @param {{ maxAttachments?: number }} [options] */
  constructor(options = {}) {
    const max = options.maxAttachments === undefined ? DEFAULT_MAX_ATTACHMENTS : options.maxAttachments;
    if (!(Number.isInteger(max) && max >= 0)) throw new Error("SocketDecoder: maxAttachments must be a non-negative integer");
    /** @readonly */
    this.maxAttachments = max;
    /** @private @type {SocketPacket | null} */
    this.header = null;
    /** @private @type {Binary[]} */
    this.parts = [];
  }

  /** Binary parts still expected for the packet being reassembled. */
  get outstanding() {
    return this.header ? (this.header.attachments || 0) - this.parts.length : 0;
  }

  /**
   * @param {string | Binary} message the data of one Engine.IO MESSAGE packet
   * @returns {SocketPacket | null} a complete packet, or null while parts are outstanding
   */
  add(message) {
    if (typeof message === "string") {
      if (this.header) throw new Error("socket.io: text packet while " + this.outstanding + " attachment(s) were outstanding");
      const packet = decodeSocketPacket(message);
      const count = packet.attachments;
      if (count === undefined) return packet;
      if (count > this.maxAttachments) throw new Error("socket.io: " + count + " attachments exceed maxAttachments " + this.maxAttachments);
      if (count > 0) {
        this.header = packet;
        return null;
      }
      return this.complete(packet, []);
    }
    if (!this.header) throw new Error("socket.io: binary data with no BINARY_EVENT/BINARY_ACK header before it");
    this.parts.push(message);
    if (this.outstanding > 0) return null;
    const header = this.header;
    const parts = this.parts;
    this.header = null;
    this.parts = [];
    return this.complete(header, parts);
  }

  /**
   * @private
   * @param {SocketPacket} header
   * @param {Binary[]} parts
   * @returns {SocketPacket}
   */
  complete(header, parts) {
    // Like upstream's Decoder, a reassembled packet reports EVENT/ACK: the BINARY_* types
    // only describe how it travelled.
    const type = header.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
    /** @type {SocketPacket} */
    const packet = { type, nsp: header.nsp, data: reconstruct(header.data, parts) };
    if (header.id !== undefined) packet.id = header.id;
    return packet;
  }
}

/**
 * Engine.IO MESSAGE frames for a namespace CONNECT: "40", "40/chat," or with auth "40{...}".
 * @param {string} [nsp]
 * @param {object} [auth] payload the server reads as socket.handshake.auth
 * @returns {string}
 */
export function connectFrame(nsp = "/", auth) {
  return EngineType.MESSAGE + encodeSocketPacket({ type: PacketType.CONNECT, nsp, data: auth })[0];
}

/**
 * Engine.IO frames for an event: the text packet, then one binary frame per attachment.
 * @param {string} event
 * @param {unknown[]} args
 * @param {{ nsp?: string, ackId?: number }} [options] give ackId to ask for an ack
 * @returns {EngineFrame[]}
 * @example eventFrames("chat", ["hi"], { ackId: 1 }) // ['421["chat","hi"]']
 */
export function eventFrames(event, args, options = {}) {
  return toEngineFrames(
    encodeSocketPacket({ type: PacketType.EVENT, nsp: options.nsp || "/", id: options.ackId, data: [event, ...args] }),
  );
}

/**
 * Engine.IO frames answering the server's ack request `id`.
 * @param {number} id
 * @param {unknown[]} args
 * @param {string} [nsp]
 * @returns {EngineFrame[]}
 */
export function ackFrames(id, args, nsp = "/") {
  return toEngineFrames(encodeSocketPacket({ type: PacketType.ACK, nsp, id, data: args }));
}

/**
 * Wraps an encoded Socket.IO packet into Engine.IO MESSAGE frames.
 * @param {[string, ...Binary[]]} encoded
 * @returns {EngineFrame[]}
 */
export function toEngineFrames(encoded) {
  /** @type {EngineFrame[]} */
  const frames = [EngineType.MESSAGE + encoded[0]];
  for (let i = 1; i < encoded.length; i++) frames.push(encoded[i]);
  return frames;
}

/**
 * @param {any} data
 * @param {Binary[]} attachments
 * @param {boolean} fromToJSON true when data came out of a toJSON() call (called once only)
 * @returns {any}
 */
function deconstruct(data, attachments, fromToJSON) {
  if (isBinary(data)) {
    attachments.push(toBinary(data));
    return { _placeholder: true, num: attachments.length - 1 };
  }
  if (Array.isArray(data)) return data.map((item) => deconstruct(item, attachments, false));
  if (data === null || typeof data !== "object") return data;
  if (typeof data.toJSON === "function" && !fromToJSON) return deconstruct(data.toJSON(), attachments, true);
  /** @type {Record<string, any>} */
  const out = {};
  for (const key of Object.keys(data)) out[key] = deconstruct(data[key], attachments, false);
  return out;
}

/**
 * @param {SocketPacket} packet
 * @param {string} text
 */
function checkPayload(packet, text) {
  const data = packet.data;
  switch (packet.type) {
    case PacketType.CONNECT:
      if (data === undefined || (data !== null && typeof data === "object" && !Array.isArray(data))) return;
      break;
    case PacketType.DISCONNECT:
      if (data === undefined) return;
      break;
    case PacketType.CONNECT_ERROR:
      if (typeof data === "string" || (data !== null && typeof data === "object")) return;
      break;
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      if (Array.isArray(data) && data.length > 0 && (typeof data[0] === "string" || typeof data[0] === "number")) return;
      break;
    default: // ACK, BINARY_ACK
      if (Array.isArray(data)) return;
  }
  throw new Error("socket.io: invalid payload for packet type " + packet.type + " in " + describeFrame(text));
}

/**
 * @param {ArrayBuffer | ArrayBufferView} value
 * @returns {Binary}
 */
function toBinary(value) {
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) return value;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
