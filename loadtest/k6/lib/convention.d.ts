/**
 * @param {string} name
 * @returns {name is PayloadName}
 */
export function isPayloadName(name: string): name is PayloadName;
/**
 * The value of a named payload; the binary one as a Uint8Array holding every byte value, so
 * base64 output covers its whole alphabet.
 * @param {PayloadName} name
 * @returns {unknown}
 */
export function payloadValue(name: PayloadName): unknown;
/**
 * A cheap size a receiver can check each delivery against payloadSize(payloadValue(name)):
 * string length, byte length of binary, JSON length of anything else.
 * @param {unknown} value
 * @returns {number}
 */
export function payloadSize(value: unknown): number;
/**
 * @typedef {object} BroadcastRequest
 * @property {string[]} rooms rooms to broadcast to
 * @property {string[]} [except] rooms whose members are left out
 * @property {number} [count] broadcasts in one synchronous loop (default 1)
 * @property {PayloadName} [payload] default "small"
 */
/**
 * Validates a `broadcast` request as received: the checked request, or why it is refused.
 * @param {unknown} request
 * @returns {{ rooms: string[], except: string[], count: number, payload: PayloadName } | { error: string }}
 */
export function checkBroadcastRequest(request: unknown): {
    rooms: string[];
    except: string[];
    count: number;
    payload: PayloadName;
} | {
    error: string;
};
export const JOIN_EVENT: "join";
export const ECHO_EVENT: "echo";
export const BROADCAST_REQUEST_EVENT: "broadcast";
export const BROADCAST_EVENT: "m";
/** Most broadcasts one request may ask for, and most rooms it may name: a typo cannot wedge the server. */
export const MAX_REQUESTED_BROADCASTS: 10000;
export const MAX_REQUEST_ROOMS: 64;
/** @typedef {"small" | "4KiB" | "64KiB" | "64KiB-utf8" | "64KiB-bin"} PayloadName */
/**
 * The payloads, named so every server sends byte-identical frames. `small` is a typical small
 * JSON event, `4KiB` a 4096-character string, the 64 KiB ones ASCII, two-byte UTF-8 text
 * (65,536 bytes) and binary (one attachment).
 * @type {readonly PayloadName[]}
 */
export const PAYLOAD_NAMES: readonly PayloadName[];
export type BroadcastRequest = {
    /**
     * rooms to broadcast to
     */
    rooms: string[];
    /**
     * rooms whose members are left out
     */
    except?: string[] | undefined;
    /**
     * broadcasts in one synchronous loop (default 1)
     */
    count?: number | undefined;
    /**
     * default "small"
     */
    payload?: PayloadName | undefined;
};
export type PayloadName = "small" | "4KiB" | "64KiB" | "64KiB-utf8" | "64KiB-bin";
