// Engine.IO HTTP error codes, exactly as upstream engine.io reports them (the official
// clients and existing user code branch on these numbers and messages).

/** Numeric error codes sent in `{ code, message }` bodies and `connection_error` events. */
export const EngineErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

/** Human-readable message for each code. */
export const EngineErrorMessage: Readonly<Record<EngineErrorCode, string>> = Object.freeze({
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
});

/** HTTP status for an error code: 403 for FORBIDDEN, 400 for everything else. */
export function httpStatusFor(code: EngineErrorCode): number {
  return code === EngineErrorCode.FORBIDDEN ? 403 : 400;
}

/**
 * The message an error is reported with: a context message (allowRequest's own, when it gave
 * a non-empty string) overrides the code's default. Refused WebSocket handshakes send it as
 * the plain body; HTTP requests send it inside `errorBody`.
 */
export function errorMessage(code: EngineErrorCode, context?: { message?: unknown }): string {
  return context && typeof context.message === "string" && context.message ? context.message : EngineErrorMessage[code];
}

/** JSON body for an error response to an HTTP (polling) request. */
export function errorBody(code: EngineErrorCode, context?: { message?: unknown }): string {
  return JSON.stringify({ code, message: errorMessage(code, context) });
}

/** Thrown by the Server constructor for an invalid option; `code` is always HYPERIO_INVALID_OPTION. */
export class InvalidOptionError extends TypeError {
  readonly code = "HYPERIO_INVALID_OPTION";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`hyperio/engine: invalid option "${option}": ${message}`);
    this.name = "InvalidOptionError";
  }
}
