// Runs one call on the addon and on the twin and reports whether they agree, for the
// differential test and scripts/native/fuzz.ts.
import { isDeepStrictEqual } from "node:util";
import type { NativeFunctions } from "../../src/native/types";

export type Outcome = { ok: unknown } | { error: { name: string; code: unknown; message: string } };

export function outcome(call: () => unknown): Outcome {
  try {
    return { ok: call() };
  } catch (err) {
    const e = err as { name: string; code?: unknown; message: string };
    return { error: { name: e.name, code: e.code, message: e.message } };
  }
}

export type Call = (fns: NativeFunctions) => unknown;

/** Call shapes, so a fuzzer can name what it ran. */
export const calls = {
  decodePayload: (bytes: Uint8Array, maxRecords: number, maxRecordBytes: number): Call => (f) =>
    f.decodePayload(bytes, maxRecords, maxRecordBytes),
  encodePayload: (packets: unknown[]): Call => (f) => f.encodePayload(packets as never),
  jsonStringIsPlain: (s: string): Call => (f) => f.jsonStringIsPlain(s),
};

/** Both outcomes, and whether they are identical (values deep-equal, or same error name/code/message). */
export function differ(a: NativeFunctions, b: NativeFunctions, call: Call): { same: boolean; a: Outcome; b: Outcome } {
  const x = outcome(() => call(a));
  const y = outcome(() => call(b));
  return { same: isDeepStrictEqual(x, y), a: x, b: y };
}
