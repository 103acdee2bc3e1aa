// Decode failures of the Engine.IO codec. Every failure carries a stable `code` so callers
// (the engine, tests, users reading logs) can branch on it without parsing messages.

/** Stable codes for every way an Engine.IO packet or payload can fail to decode. */
export const EngineParseErrorCode = {
  /** A packet (or a payload record) with no characters at all. */
  EMPTY_PACKET: "EMPTY_PACKET",
  /** The first character is not one of `0`..`6` (or `b` inside a polling payload). */
  UNKNOWN_TYPE: "UNKNOWN_TYPE",
  /** A `b` record whose body is not canonical padded base64. */
  BAD_BASE64: "BAD_BASE64",
  /** The encoded input is larger than the `maxPayload` limit given to the decoder. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** The payload holds more records than the `maxPackets` limit given to the decoder. */
  TOO_MANY_PACKETS: "TOO_MANY_PACKETS",
  /** The input is neither a string nor binary data. */
  INVALID_INPUT: "INVALID_INPUT",
  /** An Engine.IO v3 payload whose length prefixes do not frame its records exactly. */
  BAD_FRAMING: "BAD_FRAMING",
} as const;

export type EngineParseErrorCode = (typeof EngineParseErrorCode)[keyof typeof EngineParseErrorCode];

/**
 * Thrown by `decodePacket` / `decodePayload` on malformed input.
 *
 * @example
 * try { decodePayload("9oops") } catch (e) {
 *   if (e instanceof EngineParseError && e.code === "UNKNOWN_TYPE") { ... }
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
