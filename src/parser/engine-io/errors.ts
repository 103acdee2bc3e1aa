// Decode failures of the Engine.IO codec. Every failure carries a stable `code` so callers
// (the engine, tests, users reading logs) can branch on it without parsing messages.

// The codes and their meanings are listed with every other hyperio code in src/errors.ts.
import { EngineParseErrorCode } from "../../errors";

export { EngineParseErrorCode };

/**
 * Thrown by `decodePacket` / `decodePayload` on malformed input.
 *
 * @example
 * try { decodePayload("9oops") } catch (e) {
 *   if (e instanceof EngineParseError && e.code === EngineParseErrorCode.UNKNOWN_TYPE) { ... }
 * }
 */
export class EngineParseError extends Error {
  readonly code: EngineParseErrorCode;

  constructor(code: EngineParseErrorCode, message: string) {
    super(message);
    this.name = "EngineParseError";
    this.code = code;
  }
}
