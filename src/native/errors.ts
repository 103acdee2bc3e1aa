// The native addon's error class and messages. The addon builds
// its errors through createNativeError (registered at load), so an error thrown by C++ and
// one thrown by the TypeScript twin are the same class with the same code and message.

// The codes (and their meanings) are listed with every other hyperio code in src/errors.ts;
// their strings must equal native/src/errors.cc.
import { NativeErrorCode } from "../errors";

export { NativeErrorCode };

const MESSAGES: Record<NativeErrorCode, string> = {
  ERR_HYPERIO_BAD_ARGUMENT: "invalid argument",
  ERR_HYPERIO_BAD_BASE64: "invalid base64 in binary record",
  ERR_HYPERIO_TOO_MANY_RECORDS: "too many records in payload",
  ERR_HYPERIO_RECORD_TOO_LARGE: "payload record too large",
  ERR_HYPERIO_OUTPUT_TOO_LARGE: "encoded payload too large",
};

/** Error thrown by every src/native function on bad input; `code` is stable. */
export class NativeCodecError extends Error {
  readonly code: NativeErrorCode;
  constructor(code: NativeErrorCode, detail?: string) {
    const base = MESSAGES[code] ?? "native codec error";
    super(detail === undefined ? base : `${base}: ${detail}`);
    this.name = "NativeCodecError";
    this.code = code;
  }
}

/** Factory shared by the twin and the addon (which calls it with a code and an optional detail). */
export function createNativeError(code: NativeErrorCode, detail?: string): NativeCodecError {
  return new NativeCodecError(code, detail);
}
