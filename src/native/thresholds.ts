// Input sizes from which the native addon beats its twin by the hot-path bar (>= 1.5x),
// measured with `npx tsx bench/native-codec.bench.ts` (Node 20, x86-64 with AVX2; medians,
// best of two rounds; twin/native ratios below). Below them, crossing into C++ costs more
// than it saves (at 5 B native is 37 ns slower than the twin for jsonStringIsPlain, 0.7 µs
// for encodePayload): call `twin.<fn>` instead.

// decodePayload has no threshold here: its one caller, the polling decode, chooses between
// the addon and the string codec (the twin never decodes in production), from
// POLLING_NATIVE_MIN_BYTES_DECODE in src/parser/engine-io/payload-bytes.ts.

/**
 * encodePayload: total bytes of *binary* packets in the batch. Binary is base64-encoded
 * straight into the output, 24 bytes per AVX2 step: 1.17x at 4 KiB, 1.83x at 64 KiB, 2.37x
 * at 1 MiB. Text-only batches stay on the twin: 0.26-0.87x for one string (5 B to 1 MiB),
 * 1.06x (4 KiB) and 1.15x (64 KiB) for 40-byte strings, 2.04x only at 1 MiB of them.
 */
export const NATIVE_MIN_BYTES_ENCODE_PAYLOAD = 64 * 1024;

/**
 * jsonStringIsPlain: string length in UTF-16 units, for the Socket.IO encoder's long
 * top-level strings (src/parser/socketio/stringify-data.ts). The check alone is 2.0-2.1x
 * faster than the twin at 125 B and 9-14x from 1 KiB (bench/native-codec.bench.ts); what
 * decides the threshold is the whole encode of an event (`["message", {…}, s]`, text then
 * Buffer.byteLength as the write does) against JSON.stringify of it: 256 chars 1.3x,
 * 512 1.8x, 1 Ki 2.5-2.7x, 4 Ki 4.0-4.3x, 64 Ki 4.6x (`npx tsx bench/socketio-parser.bench.ts`
 * has the 512 B, 4 KiB and 64 KiB rows).
 */
export const NATIVE_MIN_CHARS_JSON_STRING = 512;

