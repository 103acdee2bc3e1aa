// Client side of Engine.IO v4 as plain functions over strings and bytes.
//
// Invariants (checked against upstream's engine.io-parser by the node tests): a text packet
// is one type character ("0".."6") followed by its data. Over WebSocket one frame carries one
// packet and a binary frame is a MESSAGE packet with raw bytes. Over long-polling the packets
// of one HTTP body are joined by "\x1e" and a binary MESSAGE is written as "b" + base64.
//
// No imports of Node built-ins and no Buffer/TextEncoder: k6's goja runtime loads this file.

import { base64Decode, base64Encode } from "./base64.js";

/** Engine.IO protocol revision spoken here (the `EIO` query parameter). */
export const ENGINE_PROTOCOL = 4;

/** Separator between packets of one long-polling body. */
export const RECORD_SEPARATOR = "\x1e";

/** Engine.IO packet types, as the first character of a text packet. */
export const EngineType = Object.freeze({
  OPEN: "0",
  CLOSE: "1",
  PING: "2",
  PONG: "3",
  MESSAGE: "4",
  UPGRADE: "5",
  NOOP: "6",
});

/**
 * Binary data as the transports hand it over: k6 WebSockets give ArrayBuffer, Node gives
 * Buffer (a Uint8Array), decoded polling payloads give Uint8Array.
 * @typedef {ArrayBuffer | Uint8Array} Binary
 */

/**
 * One Engine.IO packet in transport form: a text packet ("4...", "2", ...) or the raw bytes
 * of a binary MESSAGE.
 * @typedef {string | Binary} EngineFrame
 */

/**
 * @typedef {object} EnginePacket
 * @property {string} type one of the EngineType values
 * @property {string | Binary} data the text after the type character, or the bytes
 */

/**
 * What the server's OPEN packet tells the client.
 * @typedef {object} OpenInfo
 * @property {string} sid engine session id, carried as `sid` on every later polling request
 * @property {string[]} upgrades transports the session may upgrade to
 * @property {number} pingInterval ms between the server's pings
 * @property {number} pingTimeout ms the server waits for a pong
 * @property {number} maxPayload largest body the server accepts, in bytes
 */

/**
 * True for the binary types this module puts into attachments.
 * @param {unknown} value
 * @returns {value is ArrayBuffer | ArrayBufferView}
 */
export function isBinary(value) {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Builds the URL of an Engine.IO request: the handshake when `sid` is absent, a later
 * polling request when it is given.
 * @param {string} target server origin, e.g. "http://127.0.0.1:3000" (ws:// and wss:// too)
 * @param {{ transport?: "polling" | "websocket", path?: string, sid?: string, query?: Record<string, string | number> }} [options]
 * @returns {string}
 * @example handshakeUrl("http://127.0.0.1:3000", { transport: "websocket" })
 *   // "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket"
 */
export function handshakeUrl(target, options = {}) {
  const match = /^(https?|wss?):\/\/([^/?#]+)/i.exec(target);
  if (!match) throw new Error("handshakeUrl: target must be an http(s):// or ws(s):// origin, got " + target);
  const secure = /s$/i.test(match[1]);
  const transport = options.transport || "polling";
  if (transport !== "polling" && transport !== "websocket") {
    throw new Error("handshakeUrl: transport must be polling or websocket, got " + transport);
  }
  const scheme = transport === "websocket" ? (secure ? "wss" : "ws") : secure ? "https" : "http";
  let path = options.path || "/socket.io/";
  if (path[0] !== "/") path = "/" + path;
  if (path[path.length - 1] !== "/") path += "/";
  let url = scheme + "://" + match[2] + path + "?EIO=" + ENGINE_PROTOCOL + "&transport=" + transport;
  if (options.sid) url += "&sid=" + encodeURIComponent(options.sid);
  const query = options.query || {};
  for (const key of Object.keys(query)) {
    url += "&" + encodeURIComponent(key) + "=" + encodeURIComponent(String(query[key]));
  }
  return url;
}

/**
 * Parses the server's OPEN packet ("0{...}").
 * @param {EngineFrame} frame
 * @returns {OpenInfo}
 */
export function parseOpenPacket(frame) {
  if (typeof frame !== "string" || frame[0] !== EngineType.OPEN) {
    throw new Error("engine.io: expected an OPEN packet, got " + describeFrame(frame));
  }
  const info = JSON.parse(frame.slice(1));
  if (!info || typeof info.sid !== "string" || typeof info.pingInterval !== "number" || typeof info.pingTimeout !== "number") {
    throw new Error("engine.io: OPEN packet lacks sid/pingInterval/pingTimeout: " + frame);
  }
  return {
    sid: info.sid,
    upgrades: Array.isArray(info.upgrades) ? info.upgrades : [],
    pingInterval: info.pingInterval,
    pingTimeout: info.pingTimeout,
    maxPayload: typeof info.maxPayload === "number" ? info.maxPayload : 0,
  };
}

/**
 * Encodes one Engine.IO packet in transport form. Binary data is only valid for MESSAGE and
 * is returned as is (a WebSocket binary frame).
 * @param {string} type one of the EngineType values
 * @param {string | Binary} [data]
 * @returns {EngineFrame}
 */
export function encodeEnginePacket(type, data) {
  if (data !== undefined && typeof data !== "string") {
    if (type !== EngineType.MESSAGE) throw new Error("engine.io: binary data is only valid in MESSAGE packets");
    return data;
  }
  return type + (data || "");
}

/**
 * Decodes one Engine.IO packet in transport form.
 * @param {EngineFrame} frame
 * @returns {EnginePacket}
 */
export function decodeEnginePacket(frame) {
  if (typeof frame !== "string") return { type: EngineType.MESSAGE, data: frame };
  const type = frame[0];
  if (frame.length === 0 || type < EngineType.OPEN || type > EngineType.NOOP) {
    throw new Error("engine.io: unknown packet " + describeFrame(frame));
  }
  return { type, data: frame.slice(1) };
}

/**
 * Joins packets into one long-polling body: text packets as they are, binary MESSAGE
 * packets as "b" + base64, separated by "\x1e".
 * @param {EngineFrame[]} frames
 * @returns {string}
 */
export function encodePollingPayload(frames) {
  let out = "";
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (i > 0) out += RECORD_SEPARATOR;
    out += typeof frame === "string" ? frame : "b" + base64Encode(toBytes(frame));
  }
  return out;
}

/**
 * Splits a long-polling body into packets in transport form; "b" records become bytes, so
 * the result feeds the same code as WebSocket frames.
 * @param {string} body
 * @returns {EngineFrame[]}
 */
export function decodePollingPayload(body) {
  if (body.length === 0) return [];
  return body.split(RECORD_SEPARATOR).map((record) => (record[0] === "b" ? base64Decode(record.slice(1)) : record));
}

/**
 * @param {Binary} value
 * @returns {Uint8Array}
 */
function toBytes(value) {
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}

/**
 * A short printable form of a frame, for error messages.
 * @param {EngineFrame} frame
 * @returns {string}
 */
export function describeFrame(frame) {
  if (typeof frame !== "string") return "<" + frame.byteLength + " binary bytes>";
  return JSON.stringify(frame.length > 80 ? frame.slice(0, 80) + "..." : frame);
}
