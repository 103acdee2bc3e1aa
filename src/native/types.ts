// Signatures shared by the native addon and its TypeScript twin.

/** Bytes read in place: a Uint8Array (Buffer included) or an ArrayBuffer. */
export type ByteInput = Uint8Array | ArrayBuffer;

/** One Engine.IO packet already encoded: a string (UTF-8 on the wire) or binary data. */
export type EncodedPacket = string | ArrayBufferView | ArrayBuffer;

/**
 * Splits a polling body on 0x1E: text records become strings (UTF-8, U+FFFD for invalid
 * bytes, as Buffer#toString does), `b`-prefixed records become Buffers (strict base64,
 * ERR_HYPERIO_BAD_BASE64). Throws ERR_HYPERIO_TOO_MANY_RECORDS or
 * ERR_HYPERIO_RECORD_TOO_LARGE (whichever limit breaks first, left to right) before
 * allocating. An empty body is one empty record.
 */
export type DecodePayloadFn = (
  bytes: ByteInput,
  maxRecords: number,
  maxRecordBytes: number,
) => Array<string | Buffer>;

/** Joins encoded packets with 0x1E, binary ones as `b` + base64, into one new Buffer. */
export type EncodePayloadFn = (packets: ReadonlyArray<EncodedPacket>) => Buffer;

/**
 * True when `JSON.stringify(s) === '"' + s + '"'`: no UTF-16 unit below 0x20, no `"` or
 * `\\`, and no lone surrogate. Throws ERR_HYPERIO_BAD_ARGUMENT when `s` is not a string.
 */
export type JsonStringIsPlainFn = (s: string) => boolean;

/** The functions every implementation (addon or twin) provides. */
export interface NativeFunctions {
  decodePayload: DecodePayloadFn;
  encodePayload: EncodePayloadFn;
  jsonStringIsPlain: JsonStringIsPlainFn;
}

/** What the compiled addon exports on top of NativeFunctions. */
export interface NativeAddon extends NativeFunctions {
  abiVersion: number;
  setErrorFactory(factory: (code: string, detail?: string) => Error): void;
}

/** Version of the native/twin contract; the loader refuses an addon built for another. */
export const NATIVE_ABI_VERSION = 3;
