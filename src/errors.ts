// Every error code hyperio throws or reports, with its meaning, in one place.
//
// Naming scheme: `ERR_HYPERIO_<NAME>`, upper snake case. It follows node's own `ERR_*` codes
// (what users already branch on with `err.code`), and the `HYPERIO` word keeps ours apart from
// node's and from other libraries' in one log. Where two families would otherwise share a name
// (both codecs have an "empty packet"), NAME starts with the family: `EIO_` for the Engine.IO
// codec, `SIO_` for the Socket.IO codec. The native codec's codes (`ERR_HYPERIO_BAD_BASE64`,
// ...) already followed the scheme and are compiled into the addon (native/src/errors.cc), so
// they carry no family word; they are unique all the same.
//
// Three kinds of code stay outside the scheme, on purpose:
// - the Engine.IO protocol codes 0..5 (ENGINE_PROTOCOL_ERRORS): numbers sent to clients in HTTP
//   error bodies and given to `connection_error` listeners exactly as upstream engine.io does;
//   the official clients and existing user code branch on them, so they stay numbers;
// - errors that stand in for node's own (NODE_ERROR_CODES): the uWS http.Server facade reports
//   `ERR_SERVER_NOT_RUNNING` and `EADDRINUSE` so that code written for node:http works unchanged;
// - process warning codes (WARNING_CODES): `process.emitWarning` codes, which are not errors.
//
// This module imports nothing, so every layer (codecs, engine, server) can use it.

/** Every `ERR_HYPERIO_*` code and what it means. */
export const ERROR_CODES = {
  // Options and arguments given by the application.
  ERR_HYPERIO_INVALID_OPTION:
    "An option of a constructor or of attach/listen has the wrong type or value; `option` names it.",
  ERR_HYPERIO_INVALID_ARGUMENT:
    "A method argument has the wrong type or value (io.of() name, attach() target, ack timeout); the message names it.",
  ERR_HYPERIO_OUT_OF_RANGE: "A numeric argument is outside its allowed range (a port); the message names it.",
  // Misuse of the server API.
  ERR_HYPERIO_ALREADY_ATTACHED: "attach()/listen() called on a Server that is already attached.",
  ERR_HYPERIO_ALREADY_LISTENING: "listen() called on a uWS http.Server facade that is already listening.",
  ERR_HYPERIO_RESERVED_EVENT: "emit() of an event name reserved by Socket.IO (connect, disconnect, ...).",
  ERR_HYPERIO_NOT_SUPPORTED: "An operation the object cannot do (fetchSockets() on a parent namespace).",
  ERR_HYPERIO_ACK_TIMEOUT: "No acknowledgement arrived within the timeout given to timeout(ms).",
  // Loading the native pieces.
  ERR_HYPERIO_UWS_SHIM: "The native uWebSockets.js binary does not load and the JS shim was not allowed.",
  ERR_HYPERIO_NATIVE_REQUIRED: "HYPERIO_REQUIRE_NATIVE=1 was set but the native addon did not load.",
  // Engine.IO codec (src/parser/engine-io).
  ERR_HYPERIO_EIO_EMPTY_PACKET: "An Engine.IO packet (or payload record) with no characters at all.",
  ERR_HYPERIO_EIO_UNKNOWN_TYPE: "The first character of an Engine.IO packet is not 0..6 (or b in a polling payload).",
  ERR_HYPERIO_EIO_BAD_BASE64: "A b record whose body is not canonical padded base64.",
  ERR_HYPERIO_EIO_PAYLOAD_TOO_LARGE: "The encoded input is larger than the decoder's maxPayload.",
  ERR_HYPERIO_EIO_TOO_MANY_PACKETS: "The payload holds more records than the decoder's maxPackets.",
  ERR_HYPERIO_EIO_INVALID_INPUT: "The input to the Engine.IO decoder is neither a string nor binary data.",
  ERR_HYPERIO_EIO_BAD_FRAMING: "An Engine.IO v3 payload whose length prefixes do not frame its records exactly.",
  // Socket.IO codec (src/parser/socketio).
  ERR_HYPERIO_SIO_EMPTY_PACKET: "A Socket.IO text packet with no characters at all.",
  ERR_HYPERIO_SIO_UNKNOWN_TYPE: "The first character of a Socket.IO packet is not 0..6.",
  ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS: "A binary packet's attachment count is missing, not decimal, zero or not followed by -.",
  ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS: "The attachment count is above the decoder's maxAttachments.",
  ERR_HYPERIO_SIO_INVALID_ACK_ID: "An ack id that is too large, missing on an ACK, or present on a type that has none.",
  ERR_HYPERIO_SIO_INVALID_PAYLOAD: "The JSON payload does not parse, is missing where required or has the wrong shape.",
  ERR_HYPERIO_SIO_ILLEGAL_PLACEHOLDER: "A _placeholder whose num is not an integer naming one of the packet's attachments.",
  ERR_HYPERIO_SIO_PROTO_KEY: "The payload has a __proto__ key and the decoder was told to reject those.",
  ERR_HYPERIO_SIO_UNEXPECTED_TEXT: "A text packet arrived while a binary packet's attachments were still expected.",
  ERR_HYPERIO_SIO_UNEXPECTED_BINARY: "A binary chunk arrived while no binary packet was waiting for attachments.",
  ERR_HYPERIO_SIO_INVALID_INPUT: "The chunk given to Decoder#add is neither a string nor binary data.",
  ERR_HYPERIO_SIO_UNSUPPORTED_ATTACHMENT: "The encode fast path met an attachment it cannot turn into bytes synchronously (a Blob).",
  // Native codec and its TypeScript twin (src/native); the strings are also in native/src/errors.cc.
  ERR_HYPERIO_BAD_ARGUMENT: "A native codec function was called with an argument of the wrong type.",
  ERR_HYPERIO_BAD_BASE64: "Invalid base64 in a binary payload record.",
  ERR_HYPERIO_TOO_MANY_RECORDS: "A payload holds more records than the limit given.",
  ERR_HYPERIO_RECORD_TOO_LARGE: "A payload record is larger than the limit given.",
  ERR_HYPERIO_OUTPUT_TOO_LARGE: "The encoded payload would be larger than the limit given.",
} as const;

export type HyperioErrorCode = keyof typeof ERROR_CODES;

/** Every code must match this (tested); see the header for the scheme. */
export const ERROR_CODE_PATTERN = /^ERR_HYPERIO_[A-Z0-9]+(?:_[A-Z0-9]+)*$/;

/**
 * Engine.IO protocol error codes, sent in `{ code, message }` HTTP bodies and given to
 * `connection_error` listeners. Numbers and messages are protocol: never change them.
 */
export const EngineErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

/** The default message of each protocol code, as upstream engine.io sends it. */
export const EngineErrorMessage: Readonly<Record<EngineErrorCode, string>> = Object.freeze({
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
});

/** node's own codes, used where hyperio stands in for node:http (src/uws-http-server.ts). */
export const NODE_ERROR_CODES = {
  ERR_SERVER_NOT_RUNNING: "close() on a uWS http.Server facade that is not listening (as node's server.close).",
  EADDRINUSE: "The uWS http.Server facade could not bind its port (node's errno, from a probe listen).",
} as const;

/** `process.emitWarning` codes; warnings, not errors, so outside the ERR_ scheme. */
export const WARNING_CODES = {
  HYPERIO_UWS_SHIM: "Running on the slow uWebSockets.js JS shim (HYPERIO_ALLOW_UWS_SHIM=1).",
  HYPERIO_NATIVE_LOAD_FAILED: "The native addon exists but does not load; running on the TypeScript twin.",
} as const;

// The codec families, keyed by their short names (the keys are what the codecs use).

/** Codes of EngineParseError (src/parser/engine-io/errors.ts). */
export const EngineParseErrorCode = {
  EMPTY_PACKET: "ERR_HYPERIO_EIO_EMPTY_PACKET",
  UNKNOWN_TYPE: "ERR_HYPERIO_EIO_UNKNOWN_TYPE",
  BAD_BASE64: "ERR_HYPERIO_EIO_BAD_BASE64",
  PAYLOAD_TOO_LARGE: "ERR_HYPERIO_EIO_PAYLOAD_TOO_LARGE",
  TOO_MANY_PACKETS: "ERR_HYPERIO_EIO_TOO_MANY_PACKETS",
  INVALID_INPUT: "ERR_HYPERIO_EIO_INVALID_INPUT",
  BAD_FRAMING: "ERR_HYPERIO_EIO_BAD_FRAMING",
} as const satisfies Record<string, HyperioErrorCode>;
export type EngineParseErrorCode = (typeof EngineParseErrorCode)[keyof typeof EngineParseErrorCode];

/** Codes of SocketIOParseError (src/parser/socketio/errors.ts). */
export const SocketIOParseErrorCode = {
  EMPTY_PACKET: "ERR_HYPERIO_SIO_EMPTY_PACKET",
  UNKNOWN_TYPE: "ERR_HYPERIO_SIO_UNKNOWN_TYPE",
  ILLEGAL_ATTACHMENTS: "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS",
  TOO_MANY_ATTACHMENTS: "ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS",
  INVALID_ACK_ID: "ERR_HYPERIO_SIO_INVALID_ACK_ID",
  INVALID_PAYLOAD: "ERR_HYPERIO_SIO_INVALID_PAYLOAD",
  ILLEGAL_PLACEHOLDER: "ERR_HYPERIO_SIO_ILLEGAL_PLACEHOLDER",
  PROTO_KEY: "ERR_HYPERIO_SIO_PROTO_KEY",
  UNEXPECTED_TEXT: "ERR_HYPERIO_SIO_UNEXPECTED_TEXT",
  UNEXPECTED_BINARY: "ERR_HYPERIO_SIO_UNEXPECTED_BINARY",
  INVALID_INPUT: "ERR_HYPERIO_SIO_INVALID_INPUT",
  UNSUPPORTED_ATTACHMENT: "ERR_HYPERIO_SIO_UNSUPPORTED_ATTACHMENT",
} as const satisfies Record<string, HyperioErrorCode>;
export type SocketIOParseErrorCode = (typeof SocketIOParseErrorCode)[keyof typeof SocketIOParseErrorCode];

/** Codes of NativeCodecError (src/native/errors.ts); must equal native/src/errors.cc. */
export const NativeErrorCode = {
  BAD_ARGUMENT: "ERR_HYPERIO_BAD_ARGUMENT",
  BAD_BASE64: "ERR_HYPERIO_BAD_BASE64",
  TOO_MANY_RECORDS: "ERR_HYPERIO_TOO_MANY_RECORDS",
  RECORD_TOO_LARGE: "ERR_HYPERIO_RECORD_TOO_LARGE",
  OUTPUT_TOO_LARGE: "ERR_HYPERIO_OUTPUT_TOO_LARGE",
} as const satisfies Record<string, HyperioErrorCode>;
export type NativeErrorCode = (typeof NativeErrorCode)[keyof typeof NativeErrorCode];

// Constructors. Each returns the error (callers write `throw invalidArgument(...)`) so that
// stack traces start at the caller's line, not in a helper that throws.

/** An error of one of the built-in classes carrying a stable `code`. */
export type CodedError<E extends Error = Error> = E & { readonly code: HyperioErrorCode };

// Not enumerable: an error that was a plain Error upstream (an ack timeout, a reserved event)
// must serialize (JSON.stringify, util.isDeepStrictEqual) exactly as upstream's does.
function coded<E extends Error>(err: E, code: HyperioErrorCode): CodedError<E> {
  Object.defineProperty(err, "code", { value: code, enumerable: false, configurable: true, writable: false });
  return err as CodedError<E>;
}

/**
 * Thrown for an invalid option, by the Engine.IO server and by the Socket.IO Server alike.
 * `option` names it; the message reads `<scope>: invalid option "<option>": <reason>`.
 *
 * @example
 * try { new Server({ pingInterval: -1 }) } catch (e) {
 *   if (e instanceof InvalidOptionError) console.error(e.option); // "pingInterval"
 * }
 */
export class InvalidOptionError extends TypeError {
  readonly code = "ERR_HYPERIO_INVALID_OPTION" satisfies HyperioErrorCode;
  constructor(
    readonly option: string,
    reason: string,
    scope: "hyperio" | "hyperio/engine" = "hyperio/engine",
  ) {
    super(`${scope}: invalid option "${option}": ${reason}`);
    this.name = "InvalidOptionError";
  }
}

/** An invalid option of the Socket.IO Server (the engine builds its own with scope "hyperio/engine"). */
export function invalidOption(option: string, reason: string): InvalidOptionError {
  return new InvalidOptionError(option, reason, "hyperio");
}

/** A method argument of the wrong type or value; `what` names it (e.g. "of(): name"). */
export function invalidArgument(what: string, reason: string): CodedError<TypeError> {
  return coded(new TypeError(`hyperio: invalid argument ${what}: ${reason}`), "ERR_HYPERIO_INVALID_ARGUMENT");
}

/** A numeric argument out of its range; a RangeError as node's own ERR_OUT_OF_RANGE. */
export function outOfRange(what: string, reason: string): CodedError<RangeError> {
  return coded(new RangeError(`hyperio: ${what} ${reason}`), "ERR_HYPERIO_OUT_OF_RANGE");
}

/** attach()/listen() on an attached Server, or listen() on a listening facade. */
export function alreadyAttached(message: string): CodedError {
  return coded(new Error(message), "ERR_HYPERIO_ALREADY_ATTACHED");
}

export function alreadyListening(message: string): CodedError {
  return coded(new Error(message), "ERR_HYPERIO_ALREADY_LISTENING");
}

/** emit() of a reserved event name; the message is upstream's. */
export function reservedEvent(ev: string | symbol): CodedError {
  return coded(new Error(`"${String(ev)}" is a reserved event name`), "ERR_HYPERIO_RESERVED_EVENT");
}

export function notSupported(message: string): CodedError {
  return coded(new Error(message), "ERR_HYPERIO_NOT_SUPPORTED");
}

/** Given to ack callbacks on timeout; the message is upstream's, only the code is added. */
export function ackTimeout(): CodedError {
  return coded(new Error("operation has timed out"), "ERR_HYPERIO_ACK_TIMEOUT");
}

/** A message with a hyperio code (loaders); prefer the named constructors above. */
export function codedError(code: HyperioErrorCode, message: string): CodedError {
  return coded(new Error(message), code);
}

/** node's own errors, for the uWS http.Server facade. */
export function serverNotRunning(): Error & { code: "ERR_SERVER_NOT_RUNNING" } {
  return Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" as const });
}
