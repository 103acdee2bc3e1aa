// Guard against `__proto__` keys in decoded payloads.
//
// JSON.parse itself is safe: it creates "__proto__" as an own data property and never
// touches a prototype. The danger is downstream: user code that merges a payload into
// another object (Object.assign, spread into a setter, naive deep merge) re-parents the
// target. No legitimate client sends such keys, so the decoder can refuse them.
//
// The check costs almost nothing on ordinary traffic: the text is searched for
// `__proto__` and for `\u` (a key could spell it with JSON escapes), and only when either
// occurs is the parsed value walked.

const hasOwn = Object.prototype.hasOwnProperty;

/** Cheap pre-filter on the JSON text: false means no key can be `__proto__`. */
export function mayHaveProtoKey(json: string): boolean {
  return json.indexOf("__proto__") !== -1 || json.indexOf("\\u") !== -1;
}

/**
 * True when some object inside `root` has an own `__proto__` key. Iterative, so deeply
 * nested input cannot overflow the stack; the work list is bounded by the value's size.
 */
export function hasProtoKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
      continue;
    }
    if (hasOwn.call(node, "__proto__")) return true;
    for (const key in node) {
      if (hasOwn.call(node, key)) stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return false;
}
