// Reading k6 script settings from __ENV (`k6 run -e NAME=value`), with loopback defaults and
// errors that name the variable, so a typo fails at start-up instead of skewing a run.
import { isPayloadName, PAYLOAD_NAMES } from "./convention.js";

/**
 * @param {Record<string, string | undefined>} env usually k6's __ENV
 * @param {string} name
 * @param {string} fallback
 * @returns {string}
 */
export function envString(env, name, fallback) {
  const value = env[name];
  return value === undefined || value === "" ? fallback : value;
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {number} fallback
 * @param {number} [min] smallest accepted value (default 0)
 * @returns {number}
 */
export function envInt(env, name, fallback, min = 0) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(name + " must be an integer >= " + min + ", got " + raw);
  return value;
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envNumber(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(name + " must be a non-negative number, got " + raw);
  return value;
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {boolean} fallback
 * @returns {boolean}
 */
export function envBool(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new Error(name + " must be 1/0, true/false or yes/no, got " + raw);
}

/**
 * A payload name of the load-test convention (lib/convention.js).
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {import("./convention.js").PayloadName} fallback
 * @returns {import("./convention.js").PayloadName}
 */
export function envPayload(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!isPayloadName(raw)) throw new Error(name + " must be one of " + PAYLOAD_NAMES.join(", ") + ", got " + raw);
  return raw;
}

/**
 * Parses a k6-style duration ("500ms", "5s", "1m30s", "1h") into milliseconds.
 * @param {string} text
 * @returns {number}
 * @example parseDurationMs("1m30s") // 90000
 */
export function parseDurationMs(text) {
  const units = /** @type {Record<string, number>} */ ({ ms: 1, s: 1000, m: 60000, h: 3600000 });
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  /** @type {RegExpExecArray | null} */
  let match;
  while ((match = re.exec(text)) !== null) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * units[match[2]];
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) throw new Error("duration must look like 500ms, 5s, 1m30s or 1h, got " + text);
  return total;
}

/**
 * Writes an error line through the runtime's console (k6 has one; @types/k6 does not declare
 * it without the DOM lib, and declaring it globally would clash with @types/node).
 * @param {...unknown} args
 */
export function logError(...args) {
  const sink = /** @type {{ console?: { error(...a: unknown[]): void } }} */ (/** @type {unknown} */ (globalThis)).console;
  if (sink) sink.error(...args);
}
