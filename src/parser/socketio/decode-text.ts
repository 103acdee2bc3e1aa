// Wire text → packet: a single left-to-right scan over char codes.
//
//   <type 0-6>[<attachments>-][/<nsp>,][<ack id>][<JSON payload>]
//
// Differences from upstream socket.io-parser, all refusing input no official client sends:
// - an empty text, or a type / attachment count / ack id written with anything other than
//   ASCII digits (upstream's loose Number() checks accept " 1", "1e0", "0x1");
// - attachment counts are refused as soon as they exceed `maxAttachments`, while reading;
// - ack ids above Number.MAX_SAFE_INTEGER (upstream silently rounds them);
// - an ack id on CONNECT / DISCONNECT / CONNECT_ERROR, and an ACK without one;
// - an EVENT / ACK without a payload (upstream emits it with `data` undefined);
// - whitespace before the payload (upstream would read it as ack id digits).
// A namespace running to the end of the text ("1/admin") stays valid: python-socketio
// omits the comma when nothing follows.
import { SocketIOParseError, SocketIOParseErrorCode } from "./errors";
import { Packet, PacketType, Reviver } from "./packet";
import { isPayloadValid } from "./payload";
import { hasProtoKey, mayHaveProtoKey } from "./proto-keys";

const CHAR_0 = 48;
const CHAR_DASH = 45;
const CHAR_SLASH = 47;

/** Limits and hooks applied while decoding one text packet. */
export interface TextDecodeOptions {
  maxAttachments: number;
  reviver: Reviver | undefined;
  rejectProtoKeys: boolean;
}

/** A decoded text packet; `attachments` > 0 only for BINARY_EVENT / BINARY_ACK. */
export interface DecodedText {
  packet: Packet;
  attachments: number;
}

const typeNames = ["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"];

function fail(code: SocketIOParseErrorCode, message: string): never {
  throw new SocketIOParseError(code, message);
}

/**
 * Decodes one Socket.IO text packet. Binary types keep their BINARY_* type here; the
 * decoder turns them into EVENT / ACK once the attachments are in.
 *
 * @throws SocketIOParseError with a stable code on any malformed input.
 * @example
 * decodeText('2/chat,7["msg","hi"]', opts).packet // { type: 2, nsp: "/chat", id: 7, data: ["msg", "hi"] }
 */
export function decodeText(str: string, opts: TextDecodeOptions): DecodedText {
  const len = str.length;
  if (len === 0) fail(SocketIOParseErrorCode.EMPTY_PACKET, "empty packet");
  const type = str.charCodeAt(0) - CHAR_0;
  if (type < 0 || type > 6) {
    fail(SocketIOParseErrorCode.UNKNOWN_TYPE, `unknown packet type ${JSON.stringify(str.charAt(0))}`);
  }
  let i = 1;

  let attachments = 0;
  const isBinaryType = type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK;
  if (isBinaryType) {
    const start = i;
    for (; i < len; i++) {
      const d = str.charCodeAt(i) - CHAR_0;
      if (d < 0 || d > 9) break;
      attachments = attachments * 10 + d;
      // Checked per digit: a long run of digits never turns into a big number.
      if (attachments > opts.maxAttachments) {
        fail(
          SocketIOParseErrorCode.TOO_MANY_ATTACHMENTS,
          `too many attachments (more than maxAttachments = ${opts.maxAttachments})`,
        );
      }
    }
    if (i === start || i === len || str.charCodeAt(i) !== CHAR_DASH || attachments < 1) {
      fail(SocketIOParseErrorCode.ILLEGAL_ATTACHMENTS, "illegal attachment count");
    }
    i++;
  }

  let nsp = "/";
  if (i < len && str.charCodeAt(i) === CHAR_SLASH) {
    const comma = str.indexOf(",", i);
    if (comma === -1) {
      nsp = str.slice(i);
      i = len;
    } else {
      nsp = str.slice(i, comma);
      i = comma + 1;
    }
  }

  let id = -1;
  if (i < len) {
    let d = str.charCodeAt(i) - CHAR_0;
    if (d >= 0 && d <= 9) {
      if (type !== PacketType.EVENT && type !== PacketType.ACK && !isBinaryType) {
        fail(SocketIOParseErrorCode.INVALID_ACK_ID, `a ${typeNames[type]} packet cannot carry an ack id`);
      }
      id = 0;
      do {
        id = id * 10 + d;
        if (id > Number.MAX_SAFE_INTEGER) fail(SocketIOParseErrorCode.INVALID_ACK_ID, "ack id too large");
        d = ++i < len ? str.charCodeAt(i) - CHAR_0 : -1;
      } while (d >= 0 && d <= 9);
    }
  }
  if (id === -1 && (type === PacketType.ACK || type === PacketType.BINARY_ACK)) {
    fail(SocketIOParseErrorCode.INVALID_ACK_ID, "ACK packet without an ack id");
  }

  const packet: Packet = { type, nsp };
  if (id !== -1) packet.id = id;

  if (i < len) {
    const first = str.charCodeAt(i);
    // Whitespace here is refused: upstream reads it as part of the ack id (Number(" ") == 0),
    // so accepting it would decode the same text differently.
    if (first === 0x20 || first === 0x09 || first === 0x0a || first === 0x0d) {
      fail(SocketIOParseErrorCode.INVALID_PAYLOAD, "whitespace before the payload");
    }
    const json = str.slice(i);
    let data: unknown;
    try {
      data = opts.reviver === undefined ? JSON.parse(json) : JSON.parse(json, opts.reviver);
    } catch {
      fail(SocketIOParseErrorCode.INVALID_PAYLOAD, `invalid JSON payload in ${typeNames[type]} packet`);
    }
    if (!isPayloadValid(type, data)) {
      fail(SocketIOParseErrorCode.INVALID_PAYLOAD, `invalid payload for a ${typeNames[type]} packet`);
    }
    if (opts.rejectProtoKeys && mayHaveProtoKey(json) && hasProtoKey(data)) {
      fail(SocketIOParseErrorCode.PROTO_KEY, "payload has a __proto__ key");
    }
    packet.data = data;
  } else if (type !== PacketType.CONNECT && type !== PacketType.DISCONNECT && type !== PacketType.CONNECT_ERROR) {
    fail(SocketIOParseErrorCode.INVALID_PAYLOAD, `a ${typeNames[type]} packet needs a payload`);
  }
  return { packet, attachments };
}
