// The load-test event convention: the events every server under test handles on namespace
// "/", spoken alike by the main harness (loadtest/), the k6 scripts and the autocannon chains.
// It is defined once, here, in plain JS that k6 loads as it is; the harness's
// protocol/frames.ts and protocol/payloads.ts import it, and servers/sio-app.ts installs the
// handlers on every Socket.IO server (hyperio, hyperio-node, upstream-ws, upstream-uws).
//
//   client -> server  join(rooms: string[], ack)   socket.join(rooms), then ack()
//   client -> server  echo(...args, ack)           ack(...args): the arguments unchanged
//   client -> server  broadcast(request, ack)      request = { rooms, except?, count?, payload? }:
//                     `count` (default 1) broadcasts to `rooms` minus `except`, each carrying
//                     the named `payload` (default "small"), then ack({ from, count }) or
//                     ack({ error }) for a request it refuses (see checkBroadcastRequest)
//   server -> client  m(seq, stampUs, payload)     one broadcast
//
// `broadcast` is the network form of the harness driver's IPC command (protocol/control.ts):
// the harness keeps its control off the measured sockets, but a tool that can only open
// sockets (k6) needs a way to ask. The two differ only in the stamp's clock: the IPC command
// stamps CLOCK_MONOTONIC microseconds (lean clients in other processes of the same machine
// subtract them), a requested broadcast stamps microseconds since the Unix epoch, the only
// clock k6 can read (Date.now()). `seq` counts up across requested broadcasts, from 0 per server.

export const JOIN_EVENT = "join";
export const ECHO_EVENT = "echo";
export const BROADCAST_REQUEST_EVENT = "broadcast";
export const BROADCAST_EVENT = "m";

/** Most broadcasts one request may ask for, and most rooms it may name: a typo cannot wedge the server. */
export const MAX_REQUESTED_BROADCASTS = 10000;
export const MAX_REQUEST_ROOMS = 64;

/** @typedef {"small" | "4KiB" | "64KiB" | "64KiB-utf8" | "64KiB-bin"} PayloadName */

/**
 * The payloads, named so every server sends byte-identical frames. `small` is a typical small
 * JSON event, `4KiB` a 4096-character string, the 64 KiB ones ASCII, two-byte UTF-8 text
 * (65,536 bytes) and binary (one attachment).
 * @type {readonly PayloadName[]}
 */
export const PAYLOAD_NAMES = ["small", "4KiB", "64KiB", "64KiB-utf8", "64KiB-bin"];

/**
 * @param {string} name
 * @returns {name is PayloadName}
 */
export function isPayloadName(name) {
  return /** @type {readonly string[]} */ (PAYLOAD_NAMES).indexOf(name) >= 0;
}

/**
 * The value of a named payload; the binary one as a Uint8Array holding every byte value, so
 * base64 output covers its whole alphabet.
 * @param {PayloadName} name
 * @returns {unknown}
 */
export function payloadValue(name) {
  switch (name) {
    case "small":
      return { kind: "tick", v: 42, ok: true, tags: ["a", "b"] };
    case "4KiB":
      return "x".repeat(4096);
    case "64KiB":
      return "x".repeat(65536);
    case "64KiB-utf8":
      return "\u00e9".repeat(32768);
    case "64KiB-bin": {
      const bytes = new Uint8Array(65536);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
      return bytes;
    }
  }
  throw new Error("unknown payload " + String(name));
}

/**
 * A cheap size a receiver can check each delivery against payloadSize(payloadValue(name)):
 * string length, byte length of binary, JSON length of anything else.
 * @param {unknown} value
 * @returns {number}
 */
export function payloadSize(value) {
  if (typeof value === "string") return value.length;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return JSON.stringify(value).length;
}

/**
 * @typedef {object} BroadcastRequest
 * @property {string[]} rooms rooms to broadcast to
 * @property {string[]} [except] rooms whose members are left out
 * @property {number} [count] broadcasts in one synchronous loop (default 1)
 * @property {PayloadName} [payload] default "small"
 */

/**
 * Validates a `broadcast` request as received: the checked request, or why it is refused.
 * @param {unknown} request
 * @returns {{ rooms: string[], except: string[], count: number, payload: PayloadName } | { error: string }}
 */
export function checkBroadcastRequest(request) {
  if (typeof request !== "object" || request === null) return { error: "request must be an object" };
  const r = /** @type {Record<string, unknown>} */ (request);
  const rooms = r.rooms;
  const except = r.except === undefined ? [] : r.except;
  const count = r.count === undefined ? 1 : r.count;
  const payload = r.payload === undefined ? "small" : r.payload;
  if (!isRoomList(rooms) || rooms.length === 0) return { error: "rooms must be 1.." + MAX_REQUEST_ROOMS + " strings" };
  if (!isRoomList(except)) return { error: "except must be 0.." + MAX_REQUEST_ROOMS + " strings" };
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > MAX_REQUESTED_BROADCASTS) {
    return { error: "count must be an integer 1.." + MAX_REQUESTED_BROADCASTS };
  }
  if (typeof payload !== "string" || !isPayloadName(payload)) return { error: "payload must be one of " + PAYLOAD_NAMES.join(", ") };
  return { rooms, except, count, payload };
}

/**
 * @param {unknown} value
 * @returns {value is string[]}
 */
function isRoomList(value) {
  if (!Array.isArray(value) || value.length > MAX_REQUEST_ROOMS) return false;
  for (const room of value) if (typeof room !== "string") return false;
  return true;
}
