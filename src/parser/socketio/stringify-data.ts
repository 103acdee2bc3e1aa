// The JSON text of a packet's data, byte for byte what `JSON.stringify(data, replacer)`
// writes, with long strings at the top level quoted without V8's string serialiser.
//
// Why: on Node 20 JSON.stringify spends ~1.4 ns per character of a string (90 µs for a
// 64 KiB one), and a string argument that large is a common payload (a document, a chat
// message with pasted text, a serialised state). The native addon tells in ~0.17 ns per
// character whether a string needs any escaping; when it does not, its JSON form is the
// string in double quotes. Measured with `npx tsx bench/socketio-parser.bench.ts`.
//
// Exactness: only the top level of an event/ack argument list (an array this server builds
// itself, so reading its elements has no side effects) or a bare string is handled. Every
// other element goes through JSON.stringify on its own, which is what JSON.stringify of the
// array does for it, except that a `toJSON` method would be called with "" instead of its
// index; an element with a `toJSON` (or a bigint, whose prototype may carry one) therefore
// sends the whole array to JSON.stringify. Arrays whose elements are getters are read more
// than once (Encoder#encode is public and takes any packet); the output is still the JSON
// of what was read. On the TypeScript twin everything goes to JSON.stringify.
import { jsonStringIsPlain, nativeInfo, NATIVE_MIN_CHARS_JSON_STRING } from "../../native";
import type { Replacer } from "./packet";
import { isStackOverflow, stringifyDeep } from "./stringify-deep";

const useNative = nativeInfo.native;

/**
 * `JSON.stringify(data, replacer)`, faster for long top-level strings.
 *
 * @example
 * stringifyData(["message", "x".repeat(5000)], undefined) // '["message","xxx…"]'
 */
export function stringifyData(data: unknown, replacer: Replacer | undefined): string | undefined {
  try {
    return stringifyShallow(data, replacer);
  } catch (err) {
    // Guard: data nested deeper than V8's serialiser can recurse (JSON.parse accepts any
    // depth, so a client can send it and the app echo it) is written without recursion.
    // Costs nothing until JSON.stringify throws. test/security/deep-nesting.test.ts.
    if (!isStackOverflow(err)) throw err;
    return stringifyDeep(data, replacer);
  }
}

function stringifyShallow(data: unknown, replacer: Replacer | undefined): string | undefined {
  if (!useNative || replacer !== undefined) return JSON.stringify(data, replacer);
  if (typeof data === "string") return data.length >= NATIVE_MIN_CHARS_JSON_STRING ? quote(data) : JSON.stringify(data);
  if (Array.isArray(data) && hasLongString(data)) return stringifyArray(data);
  return JSON.stringify(data);
}

function hasLongString(data: unknown[]): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === "string" && v.length >= NATIVE_MIN_CHARS_JSON_STRING) return true;
  }
  return false;
}

function quote(s: string): string {
  return jsonStringIsPlain(s) ? '"' + s + '"' : JSON.stringify(s);
}

/** Whether JSON.stringify would call a toJSON method of `v` (with the key it sits under). */
function mayHaveToJSON(v: unknown): boolean {
  if (typeof v === "bigint") return true;
  if ((typeof v !== "object" || v === null) && typeof v !== "function") return false;
  return typeof (v as { toJSON?: unknown }).toJSON === "function";
}

function stringifyArray(data: unknown[]): string {
  for (let i = 0; i < data.length; i++) if (mayHaveToJSON(data[i])) return JSON.stringify(data);
  let out = "[";
  for (let i = 0; i < data.length; i++) {
    if (i > 0) out += ",";
    const v = data[i];
    if (typeof v === "string") out += v.length >= NATIVE_MIN_CHARS_JSON_STRING ? quote(v) : JSON.stringify(v);
    else out += JSON.stringify(v) ?? "null"; // undefined, functions and symbols are null in an array
  }
  return out + "]";
}
