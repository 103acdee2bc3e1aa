/**
 * @param {Record<string, string | undefined>} env usually k6's __ENV
 * @param {string} name
 * @param {string} fallback
 * @returns {string}
 */
export function envString(env: Record<string, string | undefined>, name: string, fallback: string): string;
/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {number} fallback
 * @param {number} [min] smallest accepted value (default 0)
 * @returns {number}
 */
export function envInt(env: Record<string, string | undefined>, name: string, fallback: number, min?: number): number;
/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envNumber(env: Record<string, string | undefined>, name: string, fallback: number): number;
/**
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {boolean} fallback
 * @returns {boolean}
 */
export function envBool(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean;
/**
 * A payload name of the load-test convention (lib/convention.js).
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {import("./convention.js").PayloadName} fallback
 * @returns {import("./convention.js").PayloadName}
 */
export function envPayload(env: Record<string, string | undefined>, name: string, fallback: import("./convention.js").PayloadName): import("./convention.js").PayloadName;
/**
 * Parses a k6-style duration ("500ms", "5s", "1m30s", "1h") into milliseconds.
 * @param {string} text
 * @returns {number}
 * @example parseDurationMs("1m30s") // 90000
 */
export function parseDurationMs(text: string): number;
/**
 * Writes an error line through the runtime's console (k6 has one; @types/k6 does not declare
 * it without the DOM lib, and declaring it globally would clash with @types/node).
 * @param {...unknown} args
 */
export function logError(...args: unknown[]): void;
