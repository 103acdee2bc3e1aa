/**
 * A Socket.IO packet. `attachments` is set on a decoded BINARY_* header whose binary parts
 * have not been put back yet.
 * @typedef {object} SocketPacket
 * @property {number} type one of the PacketType values
 * @property {string} nsp namespace, "/" by default
 * @property {number} [id] ack id
 * @property {any} [data] JSON payload; for events an array whose first item is the name
 * @property {number} [attachments] binary parts announced by the header
 */
/**
 * Encodes a Socket.IO packet into its text part followed by its binary attachments (what
 * upstream's Encoder#encode returns). EVENT/ACK whose data holds binary become
 * BINARY_EVENT/BINARY_ACK.
 * @param {SocketPacket} packet
 * @returns {[string, ...Binary[]]}
 * @example encodeSocketPacket({ type: PacketType.EVENT, nsp: "/", id: 1, data: ["ev", 2] }) // ['21["ev",2]']
 */
export function encodeSocketPacket(packet: SocketPacket): [string, ...Binary[]];
/**
 * Decodes the text part of a Socket.IO packet. For BINARY_* packets the data still holds
 * placeholders and `attachments` says how many binary parts follow (see SocketDecoder).
 * @param {string} text
 * @returns {SocketPacket}
 */
export function decodeSocketPacket(text: string): SocketPacket;
/**
 * Puts binary parts back in place of their placeholders.
 * @param {any} data
 * @param {Binary[]} attachments
 * @returns {any}
 */
export function reconstruct(data: any, attachments: Binary[]): any;
/**
 * Engine.IO MESSAGE frames for a namespace CONNECT: "40", "40/chat," or with auth "40{...}".
 * @param {string} [nsp]
 * @param {object} [auth] payload the server reads as socket.handshake.auth
 * @returns {string}
 */
export function connectFrame(nsp?: string, auth?: object): string;
/**
 * Engine.IO frames for an event: the text packet, then one binary frame per attachment.
 * @param {string} event
 * @param {unknown[]} args
 * @param {{ nsp?: string, ackId?: number }} [options] give ackId to ask for an ack
 * @returns {EngineFrame[]}
 * @example eventFrames("chat", ["hi"], { ackId: 1 }) // ['421["chat","hi"]']
 */
export function eventFrames(event: string, args: unknown[], options?: {
    nsp?: string;
    ackId?: number;
}): EngineFrame[];
/**
 * Engine.IO frames answering the server's ack request `id`.
 * @param {number} id
 * @param {unknown[]} args
 * @param {string} [nsp]
 * @returns {EngineFrame[]}
 */
export function ackFrames(id: number, args: unknown[], nsp?: string): EngineFrame[];
/**
 * Wraps an encoded Socket.IO packet into Engine.IO MESSAGE frames.
 * @param {[string, ...Binary[]]} encoded
 * @returns {EngineFrame[]}
 */
export function toEngineFrames(encoded: [string, ...Binary[]]): EngineFrame[];
export * from "./engineio-protocol.js";
/** @typedef {import("./engineio-protocol.js").Binary} Binary */
/** @typedef {import("./engineio-protocol.js").EngineFrame} EngineFrame */
/** Socket.IO protocol revision spoken here. */
export const SOCKET_PROTOCOL: 5;
/** Socket.IO packet types, as the first digit of a Socket.IO packet. */
export const PacketType: Readonly<{
    CONNECT: 0;
    DISCONNECT: 1;
    EVENT: 2;
    ACK: 3;
    CONNECT_ERROR: 4;
    BINARY_EVENT: 5;
    BINARY_ACK: 6;
}>;
/** Upstream socket.io-parser's default cap on attachments per packet. */
export const DEFAULT_MAX_ATTACHMENTS: 10;
/**
 * Reassembles Socket.IO packets from the data of consecutive Engine.IO MESSAGE packets: a
 * BINARY_* header is held until its attachments have arrived, then reported as EVENT/ACK.
 * @example
 * const decoder = new SocketDecoder();
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]'); // null, one part outstanding
 * decoder.add(bytes); // { type: 2, nsp: "/", data: ["file", bytes] }
 */
export class SocketDecoder {
    /** @param {{ maxAttachments?: number }} [options] */
    constructor(options?: {
        maxAttachments?: number;
    });
    /** @readonly */
    readonly maxAttachments: number;
    /** @private @type {SocketPacket | null} */
    private header;
    /** @private @type {Binary[]} */
    private parts;
    /** Binary parts still expected for the packet being reassembled. */
    get outstanding(): number;
    /**
     * @param {string | Binary} message the data of one Engine.IO MESSAGE packet
     * @returns {SocketPacket | null} a complete packet, or null while parts are outstanding
     */
    add(message: string | Binary): SocketPacket | null;
    /**
     * @private
     * @param {SocketPacket} header
     * @param {Binary[]} parts
     * @returns {SocketPacket}
     */
    private complete;
}
/**
 * A Socket.IO packet. `attachments` is set on a decoded BINARY_* header whose binary parts
 * have not been put back yet.
 */
export type SocketPacket = {
    /**
     * one of the PacketType values
     */
    type: number;
    /**
     * namespace, "/" by default
     */
    nsp: string;
    /**
     * ack id
     */
    id?: number | undefined;
    /**
     * JSON payload; for events an array whose first item is the name
     */
    data?: any;
    /**
     * binary parts announced by the header
     */
    attachments?: number | undefined;
};
export type Binary = import("./engineio-protocol.js").Binary;
export type EngineFrame = import("./engineio-protocol.js").EngineFrame;
