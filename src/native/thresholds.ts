// Input sizes from which the native addon beats its twin by the hot-path bar (>= 1.5x),
// measured with `npx tsx bench/native-codec.bench.ts` (Node 20, x86-64 with SSSE3; medians,
// best of two rounds). Below them, crossing into C++ (~100-150 ns more fixed cost than the
// twin per call) costs more than it saves: call `twin.<fn>` instead.

// decodePayload has no threshold here: its one caller, the polling decode, chooses between
// the addon and the string codec (the twin never decodes in production), from
// POLLING_NATIVE_MIN_BYTES_DECODE in src/parser/engine-io/payload-bytes.ts.

/**
 * encodePayload: total bytes of *binary* packets in the batch. Binary is base64-encoded
 * straight into the output, 24 bytes per AVX2 step (2.1x at 64 KiB, 2.6x at 1 MiB, 1.3x at
 * 4 KiB; with the SSSE3 kernel alone 1.8x and 1.3x: Node's own base64 catches up at 1 MiB); text-only
 * batches stay on the twin (0.5-0.7x for one big string: Node's own UTF-8 writer is faster
 * than copying the string out of V8; 1.1-1.6x for many small strings).
 */
export const NATIVE_MIN_BYTES_ENCODE_PAYLOAD = 64 * 1024;

/**
 * jsonStringIsPlain: string length in UTF-16 units, for the Socket.IO encoder's long
 * top-level strings (src/parser/socketio/stringify-data.ts). The check alone is 2.3-2.6x
 * faster than the twin at 125 B and 12-16x from 1 KiB (bench/native-codec.bench.ts); what
 * decides the threshold is the whole encode of an event (`["message", {…}, s]`, text then
 * Buffer.byteLength as the write does) against JSON.stringify of it: 256 chars 1.3x,
 * 512 1.8x, 1 Ki 2.5-2.7x, 4 Ki 4.0-4.3x, 64 Ki 4.6x (`npx tsx bench/socketio-parser.bench.ts`
 * has the 512 B, 4 KiB and 64 KiB rows).
 */
export const NATIVE_MIN_CHARS_JSON_STRING = 512;

