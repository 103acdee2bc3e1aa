// Decode failures of the Socket.IO codec. Every failure carries a stable `code` so the
// server (which closes the client with `parse error`), tests and log readers can branch on
// it without parsing messages.

// The codes and their meanings are listed with every other hyperio code in src/errors.ts.
import { SocketIOParseErrorCode } from "../../errors";

export { SocketIOParseErrorCode };

/**
 * Thrown by the Socket.IO `Decoder` (and the encode fast path) on input it refuses.
 *
 * @example
 * try { decoder.add("42{}") } catch (e) {
 *   if (e instanceof SocketIOParseError && e.code === SocketIOParseErrorCode.INVALID_PAYLOAD) client.close();
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
