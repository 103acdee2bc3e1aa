// JSON.stringify on an explicit stack, for data nested too deeply for V8's serialiser.
//
// Why: V8's JSON.stringify recurses and throws "Maximum call stack size exceeded" for data
// nested a few thousand levels deep, while JSON.parse (iterative) accepts any depth. A
// client can send a 100,000-deep array; an app that echoes it back must not fail where the
// inbound side succeeded. This serialiser runs only after JSON.stringify has thrown that
// RangeError (see stringify-data.ts), so ordinary packets never reach it.
//
// Exactness: it follows the ECMAScript SerializeJSONProperty steps for the options the codec
// uses (no indentation, an optional replacer function): toJSON (objects and bigints), then
// the replacer with the holder as `this`, then Number/String/Boolean/BigInt wrappers
// unwrapped; undefined, functions and symbols are omitted from objects and written `null` in
// arrays; non-finite numbers are `null`; bigints throw a TypeError; cycles throw a TypeError.
// Strings and keys are quoted by JSON.stringify itself. Array lengths and object keys are
// read when the container is opened, values when they are written, as the spec does.

type Holder = Record<string | number, unknown>;

/** One open container: its value, what to visit next, and whether a member was written. */
interface Frame {
  value: Holder;
  /** Object keys (Object.keys order); undefined for arrays. */
  keys: string[] | undefined;
  length: number;
  next: number;
  wroteMember: boolean;
}

/**
 * `JSON.stringify(value, replacer)` without recursion: same result, same exceptions, any
 * nesting depth (memory is bounded by the size of the output).
 *
 * @example
 * const deep = JSON.parse("[".repeat(1e5) + "]".repeat(1e5));
 * stringifyDeep(deep, undefined).length // 200000 (JSON.stringify(deep) throws a RangeError)
 */
export function stringifyDeep(value: unknown, replacer: ((this: any, key: string, value: any) => any) | undefined): string | undefined {
  const out: string[] = [];
  const stack: Frame[] = [];
  const open = new Set<object>();

  /** The value to write for `holder[key]` after toJSON, the replacer and unwrapping. */
  const prepare = (holder: unknown, key: string, v: unknown): unknown => {
    if ((typeof v === "object" && v !== null) || typeof v === "bigint") {
      const toJSON: unknown = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") v = toJSON.call(v, key);
    }
    if (replacer !== undefined) v = replacer.call(holder, key, v);
    if (typeof v === "object" && v !== null) {
      if (v instanceof Number) v = Number(v);
      else if (v instanceof String) v = String(v);
      else if (v instanceof Boolean) v = v.valueOf();
      else if (typeof BigInt === "function" && v instanceof (BigInt as unknown as typeof Object)) v = (v as { valueOf(): unknown }).valueOf();
    }
    return v;
  };

  /** Writes a prepared value (opening a frame for a container); false when it has no JSON form. */
  const write = (v: unknown): boolean => {
    switch (typeof v) {
      case "string":
        out.push(JSON.stringify(v));
        return true;
      case "number":
        out.push(Number.isFinite(v) ? String(v) : "null");
        return true;
      case "boolean":
        out.push(v ? "true" : "false");
        return true;
      case "bigint":
        throw new TypeError("Do not know how to serialize a BigInt");
      case "object":
        if (v === null) {
          out.push("null");
          return true;
        }
        break;
      default:
        return false; // undefined, function, symbol
    }
    const obj = v as Holder;
    if (open.has(obj)) throw new TypeError("Converting circular structure to JSON");
    open.add(obj);
    if (Array.isArray(obj)) {
      out.push("[");
      stack.push({ value: obj, keys: undefined, length: obj.length, next: 0, wroteMember: false });
    } else {
      out.push("{");
      const keys = Object.keys(obj);
      stack.push({ value: obj, keys, length: keys.length, next: 0, wroteMember: false });
    }
    return true;
  };

  if (!write(prepare({ "": value }, "", value))) return undefined;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.length) {
      out.push(frame.keys === undefined ? "]" : "}");
      open.delete(frame.value);
      stack.pop();
      continue;
    }
    const i = frame.next++;
    if (frame.keys === undefined) {
      if (i > 0) out.push(",");
      if (!write(prepare(frame.value, String(i), frame.value[i]))) out.push("null");
    } else {
      const key = frame.keys[i]!;
      const v = prepare(frame.value, key, frame.value[key]);
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      out.push((frame.wroteMember ? "," : "") + JSON.stringify(key) + ":");
      frame.wroteMember = true;
      write(v);
    }
  }
  return out.join("");
}

/** Whether `err` is V8's stack overflow (the one failure stringifyDeep is a remedy for). */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message === "Maximum call stack size exceeded";
}
