// Signatures shared by the native addon and its TypeScript twin.

/** Bytes read in place: a Uint8Array (Buffer included) or an ArrayBuffer. */
export type ByteInput = Uint8Array | ArrayBuffer;

/** One Engine.IO packet already encoded: a string (UTF-8 on the wire) or binary data. */
export type EncodedPacket = string | ArrayBufferView | ArrayBuffer;

/**
 * Record end offsets of a polling body: record i spans
 * [i === 0 ? 0 : ends[i - 1] + 1, ends[i]). Throws ERR_HYPERIO_TOO_MANY_RECORDS or
 * ERR_HYPERIO_RECORD_TOO_LARGE (whichever limit breaks first, left to right) before
 * allocating. An empty body is one empty record.
 */
export type ScanRecordsFn = (bytes: ByteInput, maxRecords: number, maxRecordBytes: number) => Uint32Array;

/**
 * Splits a polling body on 0x1E: text records become strings (UTF-8, U+FFFD for invalid
 * bytes, as Buffer#toString does), `b`-prefixed records become Buffers (strict base64,
 * ERR_HYPERIO_BAD_BASE64). Same limits as scanRecords.
 */
export type DecodePayloadFn = (
  bytes: ByteInput,
  maxRecords: number,
  maxRecordBytes: number,
) => Array<string | Buffer>;

/** Joins encoded packets with 0x1E, binary ones as `b` + base64, into one new Buffer. */
export type EncodePayloadFn = (packets: ReadonlyArray<EncodedPacket>) => Buffer;

/**
 * Scans a Socket.IO packet header (`<type>[<n>-][<nsp>,][<id>]<data>`) and writes its
 * fields into `out` (a Float64Array of at least 6 slots, see PacketHeaderSlot). Offsets are
 * in UTF-16 units for a string and bytes for binary input.
 */
export type ScanPacketHeaderFn = (input: string | ByteInput, maxAttachments: number, out: Float64Array) => void;

/**
 * True when `JSON.stringify(s) === '"' + s + '"'`: no UTF-16 unit below 0x20, no `"` or
 * `\\`, and no lone surrogate. Throws ERR_HYPERIO_BAD_ARGUMENT when `s` is not a string.
 */
export type JsonStringIsPlainFn = (s: string) => boolean;

/** The functions every implementation (addon or twin) provides. */
export interface NativeFunctions {
  scanRecords: ScanRecordsFn;
  decodePayload: DecodePayloadFn;
  encodePayload: EncodePayloadFn;
  scanPacketHeader: ScanPacketHeaderFn;
  jsonStringIsPlain: JsonStringIsPlainFn;
}

/** What the compiled addon exports on top of NativeFunctions. */
export interface NativeAddon extends NativeFunctions {
  abiVersion: number;
  setErrorFactory(factory: (code: string, detail?: string) => Error): void;
}

/** Slots of the `out` array filled by scanPacketHeader. -1 means absent. */
export const PacketHeaderSlot = {
  /** 0..6 */
  TYPE: 0,
  /** attachment count for BINARY_EVENT / BINARY_ACK, else 0 */
  ATTACHMENTS: 1,
  /** namespace [start, end) offsets, or -1 / -1 for the default "/" */
  NSP_START: 2,
  NSP_END: 3,
  /** ack id (at most 15 digits), or -1 */
  ACK_ID: 4,
  /** offset where the JSON data starts (== input length when there is none) */
  DATA_START: 5,
} as const;

/** Length of the `out` array scanPacketHeader needs. */
export const PACKET_HEADER_SLOTS = 6;

/** Version of the native/twin contract; the loader refuses an addon built for another. */
export const NATIVE_ABI_VERSION = 2;
