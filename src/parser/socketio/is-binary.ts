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
  return typeof value === "object" && value !== null && objectHasBinary(value, true, 0);
}

/**
 * Nesting depth searched by plain recursion. Deeper values (a client can send a 100,000-deep
 * array that the app echoes back) continue on an explicit stack, so no input can overflow
 * the call stack while ordinary data keeps the fast recursive walk. Guard: do not remove
 * the depth check to save a parameter; test/security/deep-nesting.test.ts covers it.
 */
export const MAX_RECURSION_DEPTH = 256;

function objectHasBinary(obj: object, callToJSON: boolean, depth: number): boolean {
  if (depth >= MAX_RECURSION_DEPTH) return objectHasBinaryIterative(obj, callToJSON);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      if (typeof item === "object" && item !== null && objectHasBinary(item, true, depth + 1)) return true;
    }
    return false;
  }
  if (isBinary(obj)) return true;
  if (callToJSON) {
    const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      const json: unknown = toJSON.call(obj);
      return typeof json === "object" && json !== null && objectHasBinary(json, false, depth + 1);
    }
  }
  for (const key in obj) {
    if (!hasOwn.call(obj, key)) continue;
    const item: unknown = (obj as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && objectHasBinary(item, true, depth + 1)) return true;
  }
  return false;
}

/**
 * The same search as objectHasBinary on an explicit stack. Children are pushed in reverse so
 * values are visited (and toJSON methods called) in the recursive walk's order, and the
 * search stops at the same value. Memory is bounded by the size of the data.
 */
function objectHasBinaryIterative(root: object, rootCallsToJSON: boolean): boolean {
  const values: object[] = [root];
  const callsToJSON: boolean[] = [rootCallsToJSON];
  while (values.length > 0) {
    const obj = values.pop()!;
    const callToJSON = callsToJSON.pop()!;
    if (Array.isArray(obj)) {
      for (let i = obj.length - 1; i >= 0; i--) {
        const item: unknown = obj[i];
        if (typeof item === "object" && item !== null) {
          values.push(item);
          callsToJSON.push(true);
        }
      }
      continue;
    }
    if (isBinary(obj)) return true;
    if (callToJSON) {
      const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        const json: unknown = toJSON.call(obj);
        if (typeof json === "object" && json !== null) {
          values.push(json);
          callsToJSON.push(false);
        }
        continue;
      }
    }
    const children: object[] = [];
    for (const key in obj) {
      if (!hasOwn.call(obj, key)) continue;
      const item: unknown = (obj as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) children.push(item);
    }
    for (let i = children.length - 1; i >= 0; i--) {
      values.push(children[i]!);
      callsToJSON.push(true);
    }
  }
  return false;
}
