// Engine.IO HTTP error codes, exactly as upstream engine.io reports them (the official
// clients and existing user code branch on these numbers and messages).

// The codes and their default messages are listed with every other hyperio code in src/errors.ts.
import { EngineErrorCode, EngineErrorMessage, InvalidOptionError } from "../errors";

export { EngineErrorCode, EngineErrorMessage, InvalidOptionError };

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
