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
  return walk(data, buffers, false);
}

function walk(data: unknown, buffers: Binary[], fromToJSON: boolean): unknown {
  // Falsy values (0, "", null, undefined, false, NaN) and non-objects go to JSON.stringify as is.
  if (!data || typeof data !== "object") return data;
  // Arrays first: they are never binary, and they are the common container.
  if (Array.isArray(data)) {
    const copy = new Array<unknown>(data.length);
    for (let i = 0; i < data.length; i++) copy[i] = walk(data[i], buffers, false);
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
    if (typeof toJSON === "function") return walk(toJSON.call(data), buffers, true);
  }
  const copy: Record<string, unknown> = {};
  for (const key in data) {
    if (!hasOwn.call(data, key)) continue;
    // An own "__proto__" key would go through the prototype setter of the fresh copy.
    // Upstream loses the key that way (and re-parents its copy); we skip it, which yields
    // the same JSON text without ever touching a prototype.
    if (key === "__proto__") continue;
    copy[key] = walk((data as Record<string, unknown>)[key], buffers, false);
  }
  return copy;
}
