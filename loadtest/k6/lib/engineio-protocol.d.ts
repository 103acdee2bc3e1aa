/**
 * Binary data as the transports hand it over: k6 WebSockets give ArrayBuffer, Node gives
 * Buffer (a Uint8Array), decoded polling payloads give Uint8Array.
 * @typedef {ArrayBuffer | Uint8Array} Binary
 */
/**
 * One Engine.IO packet in transport form: a text packet ("4...", "2", ...) or the raw bytes
 * of a binary MESSAGE.
 * @typedef {string | Binary} EngineFrame
 */
/**
 * @typedef {object} EnginePacket
 * @property {string} type one of the EngineType values
 * @property {string | Binary} data the text after the type character, or the bytes
 */
/**
 * What the server's OPEN packet tells the client.
 * @typedef {object} OpenInfo
 * @property {string} sid engine session id, carried as `sid` on every later polling request
 * @property {string[]} upgrades transports the session may upgrade to
 * @property {number} pingInterval ms between the server's pings
 * @property {number} pingTimeout ms the server waits for a pong
 * @property {number} maxPayload largest body the server accepts, in bytes
 */
/**
 * True for the binary types this module puts into attachments.
 * @param {unknown} value
 * @returns {value is ArrayBuffer | ArrayBufferView}
 */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView;
/**
 * Builds the URL of an Engine.IO request: the handshake when `sid` is absent, a later
 * polling request when it is given.
 * @param {string} target server origin, e.g. "http://127.0.0.1:3000" (ws:// and wss:// too)
 * @param {{ transport?: "polling" | "websocket", path?: string, sid?: string, query?: Record<string, string | number> }} [options]
 * @returns {string}
 * @example handshakeUrl("http://127.0.0.1:3000", { transport: "websocket" })
 *   // "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket"
 */
export function handshakeUrl(target: string, options?: {
    transport?: "polling" | "websocket";
    path?: string;
    sid?: string;
    query?: Record<string, string | number>;
}): string;
/**
 * Parses the server's OPEN packet ("0{...}").
 * @param {EngineFrame} frame
 * @returns {OpenInfo}
 */
export function parseOpenPacket(frame: EngineFrame): OpenInfo;
/**
 * Encodes one Engine.IO packet in transport form. Binary data is only valid for MESSAGE and
 * is returned as is (a WebSocket binary frame).
 * @param {string} type one of the EngineType values
 * @param {string | Binary} [data]
 * @returns {EngineFrame}
 */
export function encodeEnginePacket(type: string, data?: string | Binary): EngineFrame;
/**
 * Decodes one Engine.IO packet in transport form.
 * @param {EngineFrame} frame
 * @returns {EnginePacket}
 */
export function decodeEnginePacket(frame: EngineFrame): EnginePacket;
/**
 * Joins packets into one long-polling body: text packets as they are, binary MESSAGE
 * packets as "b" + base64, separated by "\x1e".
 * @param {EngineFrame[]} frames
 * @returns {string}
 */
export function encodePollingPayload(frames: EngineFrame[]): string;
/**
 * Splits a long-polling body into packets in transport form; "b" records become bytes, so
 * the result feeds the same code as WebSocket frames.
 * @param {string} body
 * @returns {EngineFrame[]}
 */
export function decodePollingPayload(body: string): EngineFrame[];
/**
 * A short printable form of a frame, for error messages.
 * @param {EngineFrame} frame
 * @returns {string}
 */
export function describeFrame(frame: EngineFrame): string;
/** Engine.IO protocol revision spoken here (the `EIO` query parameter). */
export const ENGINE_PROTOCOL: 4;
/** Separator between packets of one long-polling body. */
export const RECORD_SEPARATOR: "\u001E";
/** Engine.IO packet types, as the first character of a text packet. */
export const EngineType: Readonly<{
    OPEN: "0";
    CLOSE: "1";
    PING: "2";
    PONG: "3";
    MESSAGE: "4";
    UPGRADE: "5";
    NOOP: "6";
}>;
/**
 * Binary data as the transports hand it over: k6 WebSockets give ArrayBuffer, Node gives
 * Buffer (a Uint8Array), decoded polling payloads give Uint8Array.
 */
export type Binary = ArrayBuffer | Uint8Array;
/**
 * One Engine.IO packet in transport form: a text packet ("4...", "2", ...) or the raw bytes
 * of a binary MESSAGE.
 */
export type EngineFrame = string | Binary;
export type EnginePacket = {
    /**
     * one of the EngineType values
     */
    type: string;
    /**
     * the text after the type character, or the bytes
     */
    data: string | Binary;
};
/**
 * What the server's OPEN packet tells the client.
 */
export type OpenInfo = {
    /**
     * engine session id, carried as `sid` on every later polling request
     */
    sid: string;
    /**
     * transports the session may upgrade to
     */
    upgrades: string[];
    /**
     * ms between the server's pings
     */
    pingInterval: number;
    /**
     * ms the server waits for a pong
     */
    pingTimeout: number;
    /**
     * largest body the server accepts, in bytes
     */
    maxPayload: number;
};
