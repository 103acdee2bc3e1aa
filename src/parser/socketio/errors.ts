// Decode failures of the Socket.IO codec. Every failure carries a stable `code` so the
// server (which closes the client with `parse error`), tests and log readers can branch on
// it without parsing messages.

/** Stable codes for every way a Socket.IO packet can be rejected. */
export const SocketIOParseErrorCode = {
  /** A text packet with no characters at all. */
  EMPTY_PACKET: "SIO_EMPTY_PACKET",
  /** The first character is not one of `0`..`6`. */
  UNKNOWN_TYPE: "SIO_UNKNOWN_TYPE",
  /** The attachment count of a binary packet is missing, not decimal, zero or not followed by `-`. */
  ILLEGAL_ATTACHMENTS: "SIO_ILLEGAL_ATTACHMENTS",
  /** The attachment count is above the decoder's `maxAttachments`. */
  TOO_MANY_ATTACHMENTS: "SIO_TOO_MANY_ATTACHMENTS",
  /** An ack id that is too large, missing on an ACK, or present on a type that has none. */
  INVALID_ACK_ID: "SIO_INVALID_ACK_ID",
  /** The JSON payload does not parse, is missing where required or has the wrong shape. */
  INVALID_PAYLOAD: "SIO_INVALID_PAYLOAD",
  /** A `_placeholder` whose `num` is not an integer naming one of the packet's attachments. */
  ILLEGAL_PLACEHOLDER: "SIO_ILLEGAL_PLACEHOLDER",
  /** The payload has a `__proto__` key and the decoder was told to reject those. */
  PROTO_KEY: "SIO_PROTO_KEY",
  /** A text packet arrived while the attachments of a binary packet were still expected. */
  UNEXPECTED_TEXT: "SIO_UNEXPECTED_TEXT",
  /** A binary chunk arrived while no binary packet was waiting for attachments. */
  UNEXPECTED_BINARY: "SIO_UNEXPECTED_BINARY",
  /** The chunk given to `Decoder#add` is neither a string nor binary data. */
  INVALID_INPUT: "SIO_INVALID_INPUT",
  /** The encode fast path met an attachment it cannot turn into bytes synchronously (a Blob). */
  UNSUPPORTED_ATTACHMENT: "SIO_UNSUPPORTED_ATTACHMENT",
} as const;

export type SocketIOParseErrorCode =
  (typeof SocketIOParseErrorCode)[keyof typeof SocketIOParseErrorCode];

/**
 * Thrown by the Socket.IO `Decoder` (and the encode fast path) on input it refuses.
 *
 * @example
 * try { decoder.add("42{}") } catch (e) {
 *   if (e instanceof SocketIOParseError && e.code === "SIO_INVALID_PAYLOAD") client.close();
 * }
 */
export class SocketIOParseError extends Error {
  readonly code: SocketIOParseErrorCode;

  constructor(code: SocketIOParseErrorCode, message: string) {
    super(message);
    this.name = "SocketIOParseError";
    this.code = code;
  }
}
