// Encode side of binary support: copies packet data, replacing each binary value with a
// numbered placeholder `{ _placeholder: true, num: n }` and collecting the values in order.
// The walk follows upstream socket.io-parser step for step (which objects are copied, when
// toJSON is called, Dates left for JSON.stringify) because the JSON text it leads to must be
// byte-identical to upstream's.
import { isBinary } from "./is-binary";
import type { Binary } from "./packet";

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Returns a copy of `data` with binary values replaced by placeholders; the values are
 * pushed onto `buffers` in placeholder order. The input is never modified.
 *
 * @example
 * const out: Binary[] = [];
 * deconstruct(["f", Buffer.of(1)], out) // ["f", { _placeholder: true, num: 0 }], out = [<Buffer 01>]
 */
export function deconstruct(data: unknown, buffers: Binary[]): unknown {
  return walk(data, buffers, false, 0);
}

/**
 * Nesting depth copied by plain recursion; deeper data continues on an explicit stack
 * (walkIterative), so a deeply nested value from a client, echoed back with an attachment,
 * cannot overflow the call stack. Guard: keep it when trimming this walk.
 */
const MAX_RECURSION_DEPTH = 256;

function walk(data: unknown, buffers: Binary[], fromToJSON: boolean, depth: number): unknown {
  // Falsy values (0, "", null, undefined, false, NaN) and non-objects go to JSON.stringify as is.
  if (!data || typeof data !== "object") return data;
  if (depth >= MAX_RECURSION_DEPTH) return walkIterative(data, buffers, fromToJSON);
  // Arrays first: they are never binary, and they are the common container.
  if (Array.isArray(data)) {
    const copy = new Array<unknown>(data.length);
    for (let i = 0; i < data.length; i++) copy[i] = walk(data[i], buffers, false, depth + 1);
    return copy;
  }
  if (isBinary(data)) {
    const placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(data);
    return placeholder;
  }
  // Dates keep their own toJSON, which JSON.stringify calls later.
  if (data instanceof Date) return data;
  if (!fromToJSON) {
    const toJSON: unknown = (data as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return walk(toJSON.call(data), buffers, true, depth + 1);
  }
  const copy: Record<string, unknown> = {};
  for (const key in data) {
    if (!hasOwn.call(data, key)) continue;
    // An own "__proto__" key would go through the prototype setter of the fresh copy.
    // Upstream loses the key that way (and re-parents its copy); we skip it, which yields
    // the same JSON text without ever touching a prototype.
    if (key === "__proto__") continue;
    copy[key] = walk((data as Record<string, unknown>)[key], buffers, false, depth + 1);
  }
  return copy;
}

/**
 * The same copy as `walk`, on an explicit stack. Each task fills one slot (container, key)
 * of the copy; children are pushed in reverse so placeholders are numbered, and toJSON
 * methods called, in the recursive walk's order. Object keys are created in enumeration
 * order before their values are filled, so the copy's key order (and its JSON) is the same.
 */
function walkIterative(root: unknown, buffers: Binary[], rootFromToJSON: boolean): unknown {
  const result: Record<string, unknown> = { value: undefined };
  // Flat tasks: value, fromToJSON, container, key.
  const tasks: unknown[] = [root, rootFromToJSON, result, "value"];
  while (tasks.length > 0) {
    const key = tasks.pop() as string | number;
    const container = tasks.pop() as Record<string | number, unknown>;
    const fromToJSON = tasks.pop() as boolean;
    let data = tasks.pop();
    // A toJSON result is copied into the same slot (its own toJSON is not called), as the
    // recursive walk returns walk(toJSON(), ..., true).
    if (!fromToJSON && data && typeof data === "object" && !Array.isArray(data) && !isBinary(data) && !(data instanceof Date)) {
      const toJSON: unknown = (data as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") data = toJSON.call(data);
    }
    if (!data || typeof data !== "object") {
      container[key] = data;
    } else if (Array.isArray(data)) {
      const copy = new Array<unknown>(data.length);
      container[key] = copy;
      for (let i = data.length - 1; i >= 0; i--) tasks.push(data[i], false, copy, i);
    } else if (isBinary(data)) {
      container[key] = { _placeholder: true, num: buffers.length };
      buffers.push(data);
    } else if (data instanceof Date) {
      container[key] = data;
    } else {
      const copy: Record<string, unknown> = {};
      container[key] = copy;
      const keys: string[] = [];
      for (const k in data) {
        if (!hasOwn.call(data, k) || k === "__proto__") continue;
        copy[k] = undefined;
        keys.push(k);
      }
      for (let i = keys.length - 1; i >= 0; i--) tasks.push((data as Record<string, unknown>)[keys[i]!], false, copy, keys[i]);
    }
  }
  return result.value;
}
