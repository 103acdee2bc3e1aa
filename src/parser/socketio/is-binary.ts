// Binary detection inside packet data. Same answers as upstream socket.io-parser (the
// encoder's choice between a text and a binary packet depends on it, and that choice is
// visible on the wire), written for the common case: plain objects and arrays of primitives.
import type { Binary } from "./packet";

const hasOwn = Object.prototype.hasOwnProperty;
const hasBlob = typeof Blob === "function";

/**
 * True for the values the codec sends as attachments: ArrayBuffer, any ArrayBuffer view
 * (Buffer, typed arrays, DataView) and Blob/File, as upstream does.
 *
 * @example
 * isBinary(Buffer.from("x")) // true
 * isBinary({ a: 1 })        // false
 */
export function isBinary(value: unknown): value is Binary {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (hasBlob && value instanceof Blob)
  );
}

/**
 * True when `value` holds binary data anywhere: in arrays, in own enumerable properties, or
 * in what an object's `toJSON()` returns (the result of `toJSON` is searched but its own
 * `toJSON` is not called again, exactly as upstream). Cheap when the answer is no: primitives
 * are skipped without a call.
 *
 * @example
 * hasBinary(["chat", "hi"])                 // false
 * hasBinary(["file", { body: Buffer.of(1) }]) // true
 */
export function hasBinary(value: unknown): boolean {
  return typeof value === "object" && value !== null && objectHasBinary(value, true);
}

function objectHasBinary(obj: object, callToJSON: boolean): boolean {
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      if (typeof item === "object" && item !== null && objectHasBinary(item, true)) return true;
    }
    return false;
  }
  if (isBinary(obj)) return true;
  if (callToJSON) {
    const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      const json: unknown = toJSON.call(obj);
      return typeof json === "object" && json !== null && objectHasBinary(json, false);
    }
  }
  for (const key in obj) {
    if (!hasOwn.call(obj, key)) continue;
    const item: unknown = (obj as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && objectHasBinary(item, true)) return true;
  }
  return false;
}
