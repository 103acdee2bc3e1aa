// A transport-agnostic Socket.IO client session for load scripts: it consumes Engine.IO
// frames and produces frames through a `send` callback, so the same state machine runs over
// a k6 WebSocket, a Node `ws` socket, or long-polling (where the caller batches the frames
// into POST bodies). It answers pings, connects one namespace, dispatches events, and keeps
// ack callbacks by id.
//
// Lifecycle names follow socket.io-client: "open" (engine handshake read), "connect",
// "connect_error", "disconnect", plus "ping" (after the pong was sent) and "error" (a frame
// that breaks the protocol; thrown instead when nobody listens).

import {
  EngineType,
  PacketType,
  SocketDecoder,
  ackFrames,
  connectFrame,
  decodeEnginePacket,
  eventFrames,
  parseOpenPacket,
} from "./socketio-protocol.js";

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
  constructor(options) {
    if (!options || typeof options.send !== "function") throw new Error("SocketIOClient: options.send must be a function");
    /** @private */
    this.sendFrame = options.send;
    /** @readonly */
    this.nsp = options.nsp || "/";
    /** @private */
    this.auth = options.auth;
    /** @private */
    this.autoConnect = options.autoConnect !== false;
    /** @private */
    this.decoder = new SocketDecoder({ maxAttachments: options.maxAttachments });
    /** @private @type {Record<string, Listener[]>} */
    this.listeners = {};
    /** @private @type {Record<number, Listener>} */
    this.acks = {};
    /** @private */
    this.nextAckId = 0;
    /** Engine handshake, once the OPEN packet was read. @type {OpenInfo | null} */
    this.engine = null;
    /** Socket.IO session id, once the namespace is connected. @type {string | null} */
    this.id = null;
    this.connected = false;
    /** True once the engine session ended (CLOSE packet or close()). */
    this.closed = false;
    /** Pings answered so far. */
    this.pings = 0;
  }

  /**
   * Registers a listener for a server event or a lifecycle name.
   * @param {string} event
   * @param {Listener} listener
   * @returns {this}
   */
  on(event, listener) {
    (this.listeners[event] || (this.listeners[event] = [])).push(listener);
    return this;
  }

  /** Acks sent and not answered yet. */
  get pendingAcks() {
    return Object.keys(this.acks).length;
  }

  /**
   * Sends the namespace CONNECT (done on OPEN unless autoConnect is false).
   */
  connect() {
    this.sendFrame(connectFrame(this.nsp, this.auth));
  }

  /**
   * Emits an event; a function as last argument asks for an ack and receives its arguments.
   * @param {string} event
   * @param {...unknown} args
   */
  emit(event, ...args) {
    /** @type {number | undefined} */
    let ackId;
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args.pop();
      ackId = this.nextAckId++;
      this.acks[ackId] = /** @type {Listener} */ (last);
    }
    for (const frame of eventFrames(event, args, { nsp: this.nsp, ackId })) this.sendFrame(frame);
  }

  /**
   * Leaves the namespace and ends the session. Over long-polling the engine session ends with
   * a CLOSE packet; over WebSocket it ends when the caller closes the socket (Engine.IO
   * servers ignore a CLOSE packet there), so call ws.close() after this.
   * @param {"websocket" | "polling"} [transport]
   */
  close(transport = "websocket") {
    if (this.closed) return;
    if (this.connected) this.sendFrame(EngineType.MESSAGE + PacketType.DISCONNECT + (this.nsp === "/" ? "" : this.nsp + ","));
    if (transport === "polling") this.sendFrame(EngineType.CLOSE);
    this.markClosed("io client disconnect");
  }

  /**
   * Feeds one Engine.IO frame read from the transport.
   * @param {EngineFrame} frame
   */
  receive(frame) {
    try {
      this.handleFrame(frame);
    } catch (err) {
      if (!this.listeners.error) throw err;
      this.fire("error", err);
    }
  }

  /**
   * @private
   * @param {EngineFrame} frame
   */
  handleFrame(frame) {
    const packet = decodeEnginePacket(frame);
    switch (packet.type) {
      case EngineType.OPEN:
        this.engine = parseOpenPacket(frame);
        this.fire("open", this.engine);
        if (this.autoConnect) this.connect();
        return;
      case EngineType.PING:
        this.sendFrame(EngineType.PONG + (typeof packet.data === "string" ? packet.data : ""));
        this.pings++;
        this.fire("ping");
        return;
      case EngineType.CLOSE:
        this.markClosed("transport close");
        return;
      case EngineType.MESSAGE: {
        const complete = this.decoder.add(packet.data);
        if (complete) this.handlePacket(complete);
        return;
      }
      default: // PONG, UPGRADE, NOOP: nothing to do for a client that starts on its final transport
        return;
    }
  }

  /**
   * @private
   * @param {SocketPacket} packet
   */
  handlePacket(packet) {
    if (packet.nsp !== this.nsp) return;
    switch (packet.type) {
      case PacketType.CONNECT:
        this.id = packet.data && typeof packet.data.sid === "string" ? packet.data.sid : null;
        this.connected = true;
        this.fire("connect");
        return;
      case PacketType.CONNECT_ERROR:
        this.fire("connect_error", packet.data);
        return;
      case PacketType.DISCONNECT:
        this.connected = false;
        this.fire("disconnect", "io server disconnect");
        return;
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT: {
        const args = packet.data.slice(1);
        const id = packet.id;
        if (id !== undefined) {
          let answered = false;
          args.push((/** @type {unknown[]} */ ...reply) => {
            if (answered) return;
            answered = true;
            for (const frame of ackFrames(id, reply, this.nsp)) this.sendFrame(frame);
          });
        }
        this.fire(String(packet.data[0]), ...args);
        return;
      }
      default: {
        // ACK, BINARY_ACK
        const id = packet.id === undefined ? -1 : packet.id;
        const callback = this.acks[id];
        if (!callback) throw new Error("socket.io: ack " + id + " answers nothing that was sent");
        delete this.acks[id];
        callback(...packet.data);
      }
    }
  }

  /**
   * @private
   * @param {string} reason
   */
  markClosed(reason) {
    if (this.closed) return;
    this.closed = true;
    const wasConnected = this.connected;
    this.connected = false;
    if (wasConnected) this.fire("disconnect", reason);
  }

  /**
   * @private
   * @param {string} event
   * @param {...any} args
   */
  fire(event, ...args) {
    const list = this.listeners[event];
    if (!list) return;
    for (const listener of list.slice()) listener(...args);
  }
}
