/** @typedef {import("./socketio-protocol.js").EngineFrame} EngineFrame */
/** @typedef {import("./socketio-protocol.js").OpenInfo} OpenInfo */
/** @typedef {import("./socketio-protocol.js").SocketPacket} SocketPacket */
/** @typedef {(...args: any[]) => void} Listener */
/**
 * @typedef {object} ClientOptions
 * @property {(frame: EngineFrame) => void} send writes one Engine.IO frame to the transport
 * @property {string} [nsp] namespace to connect, "/" by default
 * @property {object} [auth] CONNECT payload (socket.handshake.auth on the server)
 * @property {boolean} [autoConnect] send the namespace CONNECT on OPEN (default true)
 * @property {number} [maxAttachments] see SocketDecoder
 */
/**
 * @example
 * const client = new SocketIOClient({ send: (frame) => ws.send(frame) });
 * ws.onmessage = (e) => client.receive(e.data);
 * client.on("connect", () => client.emit("echo", "hi", (reply) => console.log(reply)));
 */
export class SocketIOClient {
    /** @param {ClientOptions} options */
    constructor(options: ClientOptions);
    /** @private */
    private sendFrame;
    /** @readonly */
    readonly nsp: string;
    /** @private */
    private auth;
    /** @private */
    private autoConnect;
    /** @private */
    private decoder;
    /** @private @type {Record<string, Listener[]>} */
    private listeners;
    /** @private @type {Record<number, Listener>} */
    private acks;
    /** @private */
    private nextAckId;
    /** Engine handshake, once the OPEN packet was read. @type {OpenInfo | null} */
    engine: OpenInfo | null;
    /** Socket.IO session id, once the namespace is connected. @type {string | null} */
    id: string | null;
    connected: boolean;
    /** True once the engine session ended (CLOSE packet or close()). */
    closed: boolean;
    /** Pings answered so far. */
    pings: number;
    /**
     * Registers a listener for a server event or a lifecycle name.
     * @param {string} event
     * @param {Listener} listener
     * @returns {this}
     */
    on(event: string, listener: Listener): this;
    /** Acks sent and not answered yet. */
    get pendingAcks(): number;
    /**
     * Sends the namespace CONNECT (done on OPEN unless autoConnect is false).
     */
    connect(): void;
    /**
     * Emits an event; a function as last argument asks for an ack and receives its arguments.
     * @param {string} event
     * @param {...unknown} args
     */
    emit(event: string, ...args: unknown[]): void;
    /**
     * Leaves the namespace and ends the session. Over long-polling the engine session ends with
     * a CLOSE packet; over WebSocket it ends when the caller closes the socket (Engine.IO
     * servers ignore a CLOSE packet there), so call ws.close() after this.
     * @param {"websocket" | "polling"} [transport]
     */
    close(transport?: "websocket" | "polling"): void;
    /**
     * Feeds one Engine.IO frame read from the transport.
     * @param {EngineFrame} frame
     */
    receive(frame: EngineFrame): void;
    /**
     * @private
     * @param {EngineFrame} frame
     */
    private handleFrame;
    /**
     * @private
     * @param {SocketPacket} packet
     */
    private handlePacket;
    /**
     * @private
     * @param {string} reason
     */
    private markClosed;
    /**
     * @private
     * @param {string} event
     * @param {...any} args
     */
    private fire;
}
export type EngineFrame = import("./socketio-protocol.js").EngineFrame;
export type OpenInfo = import("./socketio-protocol.js").OpenInfo;
export type SocketPacket = import("./socketio-protocol.js").SocketPacket;
export type Listener = (...args: any[]) => void;
export type ClientOptions = {
    /**
     * writes one Engine.IO frame to the transport
     */
    send: (frame: EngineFrame) => void;
    /**
     * namespace to connect, "/" by default
     */
    nsp?: string | undefined;
    /**
     * CONNECT payload (socket.handshake.auth on the server)
     */
    auth?: object | undefined;
    /**
     * send the namespace CONNECT on OPEN (default true)
     */
    autoConnect?: boolean | undefined;
    /**
     * see SocketDecoder
     */
    maxAttachments?: number | undefined;
};
