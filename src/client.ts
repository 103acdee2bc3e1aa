// Client: one per Engine.IO session, the only bridge between the engine and namespaces.
// Decodes incoming frames into packets routed to the socket of their namespace, and writes
// encoded packets to the engine.
//
// Failure rules: a frame the decoder rejects closes this client only (`forced close`, as
// upstream), never the server; a packet for a namespace the client has not joined (other
// than CONNECT) is a protocol violation and closes the client; a client that joins no
// namespace within `connectTimeout` ms is closed so idle sessions cannot pile up.
//
// Memory: a Client lives as long as its connection, so what it holds is paid per idle
// client. It reads hyperio's engine session as its direct consumer (no listeners), holds
// the socket of a single namespace in one field (a Map only from a second namespace on),
// and creates its CONNECT-in-progress set only while a CONNECT is in progress.
import createDebug from "debug";
import type { EngineSocket } from "./engine-types";
import { TimerRegistry, type DeadlineFn, type DeadlineHolder } from "./engine/timers";
import { PacketType, type Decoder, type Encoder, type Packet } from "./parser-types";
import type { Server } from "./server";
import { NO_AUTH, type Socket } from "./socket";
import type { DefaultEventsMap, EventsMap } from "./typed-events";

const debug = createDebug("hyperio:client");

/**
 * Every client's connectTimeout, as intrusive deadlines (one node Timeout per delay, not one
 * per client: arming and clearing a Timeout per connection was ~4% of a connect storm).
 */
const connectDeadlines = new TimerRegistry();

/** Options of one write to the engine. */
export interface WriteToEngineOptions {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
  [key: string]: unknown;
}

/**
 * The Socket.IO view of one Engine.IO session (`socket.client`).
 *
 * @example
 * io.on("connection", (socket) => console.log(socket.client.conn.transport.name));
 */
export class Client<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> {
  /** The Engine.IO session (for users typed as hyperio's engine socket: see Socket.conn). */
  public readonly conn: EngineSocket;
  /** The engine session id (sensitive: never shown to other clients). */
  public readonly id: string;
  private readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  private readonly encoder: Encoder;
  private readonly decoder: Decoder;
  /**
   * The socket of each joined namespace: undefined (none), the socket itself (one), or a
   * Map by namespace name (several). Read through nspSocket / joined only.
   */
  private nsps: NspSockets<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = undefined;
  /**
   * Namespaces with a CONNECT in progress: a second CONNECT for them is ignored. Undefined
   * while empty.
   */
  private connecting: Set<string> | undefined = undefined;
  /** The connectTimeout deadline while no namespace is joined; undefined afterwards. */
  private connectDeadline: ConnectDeadline | undefined;
  private closed = false;
  /** Listeners on an engine session that takes no direct consumer (engine.io 6 through `bind`). */
  private engineListeners: EngineListeners | undefined = undefined;
  /** The "decoded" listener on a Decoder that takes no direct consumer (a custom parser). */
  private decodedListener: ((packet: Packet) => void) | undefined = undefined;

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, conn: EngineSocket) {
    this.server = server;
    this.conn = conn;
    this.id = conn.id;
    this.encoder = server.encoder;
    this.decoder = new server._parser.Decoder();
    // hyperio's Decoder calls onDecodedPacket directly (no listener dictionary, no bind per
    // client); a custom parser's Decoder (the `parser` option) is listened to.
    if (this.decoder.attachConsumer?.(this) !== true) {
      this.decodedListener = (packet: Packet) => this.onDecodedPacket(packet);
      this.decoder.on("decoded", this.decodedListener);
    }
    // hyperio's session calls this Client directly; other engines (engine.io 6 through
    // `bind`), or a session another Client already reads, are listened to.
    if (conn.attachConsumer?.(this) !== true) {
      const l: EngineListeners = {
        message: (data) => this.onEngineMessage(data),
        error: (err) => this.onError(err),
        close: (reason, description) => this.onEngineClose(reason, description),
      };
      this.engineListeners = l;
      conn.on("message", l.message);
      conn.on("error", l.error);
      conn.on("close", l.close);
    }
    const deadline = new ConnectDeadline(this);
    this.connectDeadline = deadline;
    connectDeadlines.arm(deadline, Client.connectTimedOut, server._connectTimeout);
  }

  /** connectTimeout passed: a client that joined no namespace is closed. */
  private static connectTimedOut(deadline: ConnectDeadline): void {
    const client = deadline.client;
    client.connectDeadline = undefined;
    if (client.nsps === undefined) {
      debug("%s joined no namespace within connectTimeout, closing", client.id);
      client.close();
    }
  }

  /** The first HTTP request of the session. */
  get request(): EngineSocket["request"] {
    return this.conn.request;
  }

  /** Connects this client to a namespace (LegacyClient joins "/" on its own). */
  protected connect(name: string, auth: Record<string, unknown>): void {
    if (this.server._nsps.has(name)) return this.doConnect(name, auth);
    // A dynamic namespace's function gets an object of its own.
    if (auth === NO_AUTH) auth = {};
    this.startConnecting(name);
    this.server._checkNamespace(name, auth, (nsp) => {
      this.endConnecting(name);
      if (this.closed) return;
      if (nsp) return this.doConnect(name, auth);
      debug("%s: no namespace %s", this.id, name);
      this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: "Invalid namespace" } });
    });
  }

  private doConnect(name: string, auth: Record<string, unknown>): void {
    this.startConnecting(name);
    this.server.of(name)._add(this, auth);
  }

  /** @internal The namespace connected this client's socket (Namespace._add). */
  _nspConnected(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.addNspSocket(socket);
    this.clearConnectDeadline();
  }

  private clearConnectDeadline(): void {
    const deadline = this.connectDeadline;
    if (deadline !== undefined) {
      this.connectDeadline = undefined;
      connectDeadlines.disarm(deadline);
    }
  }

  /**
   * @internal A CONNECT to `name` is over, whatever its outcome; `err` when it failed
   * unexpectedly (the client gets CONNECT_ERROR "Internal error").
   */
  _nspAttemptEnded(name: string, err?: unknown): void {
    if (err !== undefined) {
      debug("%s: connecting to %s failed: %s", this.id, name, err);
      this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: "Internal error" } });
    }
    this.endConnecting(name);
  }

  private startConnecting(name: string): void {
    (this.connecting ??= new Set()).add(name);
  }

  private endConnecting(name: string): void {
    const c = this.connecting;
    if (c !== undefined && c.delete(name) && c.size === 0) this.connecting = undefined;
  }

  /** The joined sockets, as a list that stays valid while sockets leave. */
  private joined(): Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    const n = this.nsps;
    return n === undefined ? [] : n instanceof Map ? [...n.values()] : [n];
  }

  private nspSocket(name: string): Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    const n = this.nsps;
    if (n === undefined || n instanceof Map) return n?.get(name);
    return n.nsp.name === name ? n : undefined;
  }

  private addNspSocket(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const n = this.nsps;
    const name = socket.nsp.name;
    if (n === undefined || (!(n instanceof Map) && n.nsp.name === name)) this.nsps = socket;
    else if (n instanceof Map) n.set(name, socket);
    else this.nsps = new Map([[n.nsp.name, n], [name, socket]]);
  }

  /** @internal Disconnects every socket, then closes the connection. */
  _disconnect(): void {
    for (const socket of this.joined()) socket.disconnect();
    this.nsps = undefined;
    this.close();
  }

  /** @internal Called by a socket that left its namespace. */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const n = this.nsps;
    if (n === socket) {
      this.nsps = undefined;
    } else if (n instanceof Map && n.get(socket.nsp.name) === socket) {
      n.delete(socket.nsp.name);
      if (n.size === 0) this.nsps = undefined;
    }
  }

  /** Closes the underlying connection. */
  private close(): void {
    if (this.conn.readyState !== "open") return;
    debug("%s: forcing close", this.id);
    // Our reason first: an engine may emit its own "close" synchronously inside close().
    this.onEngineClose("forced server close");
    // hyperio's engine counts the session as closed by this cause (docs/METRICS.md).
    if (this.conn.closeFor !== undefined) this.conn.closeFor("forced server close");
    else this.conn.close();
  }

  /** @internal Encodes and writes a packet (or writes an already-encoded one). */
  _packet(packet: Packet | unknown[], opts: WriteToEngineOptions = {}): void {
    if (this.conn.readyState !== "open") {
      debug("%s: not open, dropping packet", this.id);
      return;
    }
    const encoded = opts.preEncoded ? (packet as unknown[]) : this.encoder.encode(packet as Packet);
    this.writeToEngine(encoded as Array<string | Buffer>, opts);
  }

  /**
   * Writes encoded frames (a packet's string then its binary attachments) to the engine.
   * Volatile packets are dropped while the transport is not writable: that is their contract.
   */
  writeToEngine(encoded: Array<string | Buffer> | string | Buffer, opts: WriteToEngineOptions): void {
    if (opts.volatile && !this.conn.transport.writable) {
      debug("%s: transport not writable, volatile packet dropped", this.id);
      return;
    }
    if (this.conn.readyState !== "open") return;
    if (opts.preEncoded === true) this.server._counters.deliveries++; // a broadcast's packet (metrics)
    const frames = Array.isArray(encoded) ? encoded : [encoded];
    for (const frame of frames) this.conn.write(frame, opts);
  }

  /** @internal A message of the engine session (SessionConsumer). */
  onEngineMessage(data: unknown): void {
    try {
      this.decoder.add(data);
    } catch (err) {
      debug("%s: invalid frame: %s", this.id, (err as Error).message);
      this.onError(err as Error);
    }
  }

  /** @internal A decoded packet (DecodedPacketConsumer). */
  onDecodedPacket(packet: Packet): void {
    const name = typeof packet.nsp === "string" ? packet.nsp : "/";
    const socket = this.nspSocket(name);
    if (!socket && packet.type === PacketType.CONNECT) {
      if (this.connecting?.has(name)) {
        debug("%s: duplicate CONNECT for %s ignored", this.id, name);
        return;
      }
      const auth = packet.data && typeof packet.data === "object" ? (packet.data as Record<string, unknown>) : NO_AUTH;
      this.connect(name, auth);
    } else if (socket && packet.type !== PacketType.CONNECT && packet.type !== PacketType.CONNECT_ERROR) {
      // Events wait a tick (listeners registered in the connection handler of a socket that
      // connected in this same chunk). DISCONNECT does not: the engine may report the
      // transport closing in this same tick, and the client's own reason must win.
      if (packet.type === PacketType.DISCONNECT) socket._onpacket(packet);
      else process.nextTick(deliverPacket, socket, packet);
    } else {
      // Includes packets for a namespace whose CONNECT is still in progress: official
      // clients wait for the CONNECT answer, so this is a protocol violation, and upstream
      // closes the connection too (dropping the packet silently left the peer waiting).
      debug("%s: invalid packet type %s for %s", this.id, packet.type, name);
      this.close();
    }
  }

  /**
   * A decoding error: report it to the sockets (their `error` event) and close this
   * connection. The sockets leave with "forced close", the reason socket.io 4.8 gives (its
   * client closes the engine socket, whose close reason is that), so it is also recoverable
   * with connection state recovery, as upstream.
   */
  private onError(err: Error): void {
    for (const socket of this.joined()) socket._onerror(err);
    if (this.conn.readyState === "open") {
      this.onEngineClose("forced close");
      this.conn.close();
    }
  }

  /** @internal The engine session closed (SessionConsumer); idempotent. */
  onEngineClose(reason: string, description?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    debug("%s closed: %s", this.id, reason);
    const l = this.engineListeners;
    if (l !== undefined) {
      this.engineListeners = undefined;
      this.conn.removeListener("message", l.message);
      this.conn.removeListener("error", l.error);
      this.conn.removeListener("close", l.close);
    } else {
      this.conn.detachConsumer?.(this);
    }
    if (this.decodedListener !== undefined) this.decoder.removeListener("decoded", this.decodedListener);
    else this.decoder.detachConsumer?.(this);
    this.clearConnectDeadline();
    for (const socket of this.joined()) socket._onclose(reason as any, description);
    this.nsps = undefined;
    this.decoder.destroy();
  }
}

/**
 * A client's connectTimeout, armed from its creation until it joins a namespace: a holder of
 * its own (dropped once connected), so the Client carries one field for it, not five.
 */
class ConnectDeadline implements DeadlineHolder {
  dlNext: DeadlineHolder | undefined = undefined;
  dlPrev: DeadlineHolder | undefined = undefined;
  dlAt = 0;
  dlFn: DeadlineFn<any> | undefined = undefined;
  dlList: DeadlineHolder["dlList"] = undefined;

  constructor(readonly client: Client<any, any, any, any>) {}
}

function deliverPacket(socket: Socket<any, any, any, any>, packet: Packet): void {
  socket._onpacket(packet);
}

type NspSockets<S> = S | Map<string, S> | undefined;

interface EngineListeners {
  message: (data: unknown) => void;
  error: (err: Error) => void;
  close: (reason: string, description?: unknown) => void;
}
