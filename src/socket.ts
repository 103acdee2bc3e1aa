// Socket: one client's presence in one namespace. Receives events (through per-packet
// middleware, catch-all listeners, then regular listeners), emits with or without acks, joins
// rooms through the namespace's adapter, and disconnects with upstream's reasons.
//
// Invariants: `connected` is true between `_onconnect` and `_onclose`; after `_onclose` the
// socket is in no room, not in `nsp.sockets`, not in its client's maps, and holds no ack
// callback (they are dropped with it), so a gone socket keeps no memory alive.
//
// Memory: a socket lives as long as its connection. What most sockets never use is created
// on first use: the ack map, the middleware list, the emit flags, and the `handshake`
// object (built from the engine request, the CONNECT's auth and the connection time).
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { parse as parseQuery } from "node:querystring";
import createDebug from "debug";
import type { AdapterLike, BroadcastFlags, Room, Session, SocketId } from "./adapter/types";
import { BroadcastOperator, checkTimeout } from "./broadcast-operator";
import { ackTimeout, reservedEvent } from "./errors";
import { randomId } from "./engine/random-id";
import type { Client } from "./client";
import type { EngineSocket } from "./engine-types";
import type { Socket as EngineSession } from "./engine/socket";
import type { Namespace } from "./namespace";
import { PacketType, type Packet } from "./parser-types";
import type { Server } from "./server";
import { runChain, toError } from "./util/run-chain";
import {
  RECOVERABLE_DISCONNECT_REASONS,
  RESERVED_EVENTS,
  type DisconnectReason,
  type Handshake,
  type SocketReservedEventsMap,
} from "./socket-types";
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
} from "./typed-events";

const debug = createDebug("hyperio:socket");

/** An incoming event as seen by per-packet middleware: `[name, ...args]`. */
export type Event = [string, ...any[]];

type SocketFlags = BroadcastFlags;
type AnyListener = (...args: any[]) => void;

/** A random id that reveals nothing about the Engine.IO session id (which is sensitive). */
export function generateId(): string {
  return randomId();
}

function noop(): void {}

/**
 * @internal The auth of a CONNECT that carried none, shared until read: `handshake.auth` is
 * then an object of the socket's own (56 B less per idle socket).
 */
export const NO_AUTH: Record<string, unknown> = Object.freeze({});

/** Process start in epoch ms: `issued` is kept relative to it, a small integer, not a heap number. */
const EPOCH_BASE = Date.now();

/** The listener dispatch of node's EventEmitter (Socket overrides `emit` for outgoing events). */
const emitEvent: (this: EventEmitter, ...event: Event) => boolean = EventEmitter.prototype.emit;

/**
 * A client connected to a namespace.
 *
 * @example
 * io.on("connection", (socket) => {
 *   socket.join("lobby");
 *   socket.on("chat", (text, ack) => {
 *     socket.to("lobby").emit("chat", text);
 *     ack("ok");
 *   });
 * });
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<ListenEvents, EmitEvents, SocketReservedEventsMap> {
  /** Session id, unique per namespace connection (or restored on recovery). */
  public readonly id: SocketId;
  /** Private session id for connection state recovery (only when the feature is on). */
  public readonly pid?: string;
  /** Whether this connection restored a previous session (connection state recovery). */
  public readonly recovered: boolean = false;
  /** Free-form data, visible to fetchSockets() and kept across recovery. */
  public data: SocketData = {} as SocketData;
  public connected = false;

  public readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  public readonly client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  public readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  public readonly adapter: AdapterLike;
  /** Pending ack callbacks by packet id; undefined until the first one. */
  private _acks: Map<number, (...args: any[]) => void> | undefined = undefined;
  private _handshake: Handshake | undefined = undefined;
  private readonly auth: Record<string, unknown>;
  /** When the socket was created, in ms since EPOCH_BASE (`handshake.issued` - EPOCH_BASE). */
  private readonly issued: number;

  private fns: Array<(event: Event, next: (err?: Error) => void) => void> | undefined = undefined;
  /** Flags of the next emit (compress, volatile, timeout), undefined when none is set. */
  private flags: SocketFlags | undefined = undefined;
  /** Whether `_onconnect` ran (stays true after disconnection). */
  private everConnected = false;
  private anyListeners?: AnyListener[];
  private anyOutgoingListeners?: AnyListener[];

  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
    previousSession?: Session,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    this.server = nsp.server;
    this.adapter = nsp.adapter;
    if (previousSession) {
      this.id = previousSession.sid;
      this.pid = previousSession.pid;
      this.recovered = true;
    } else {
      // A Socket.IO v2 client (Engine.IO v3) expects its engine id, prefixed by the
      // namespace outside "/", as upstream gives it.
      this.id = client.conn.protocol === 3 ? (nsp.name === "/" ? client.id : nsp.name + "#" + client.id) : generateId();
      if (this.server.opts.connectionStateRecovery) this.pid = generateId();
    }
    // Registered before any join, so adapters can find the socket object by id.
    nsp._preConnectSockets.set(this.id, this);
    if (previousSession) {
      this.join(previousSession.rooms);
      this.data = previousSession.data as SocketData;
      for (const data of previousSession.missedPackets) this.packet({ type: PacketType.EVENT, data, nsp: nsp.name });
    }
    this.auth = auth;
    this.issued = Date.now() - EPOCH_BASE;
  }

  /** @internal pending ack callbacks, by packet id (adapters register broadcast acks here). */
  get acks(): Map<number, (...args: any[]) => void> {
    return (this._acks ??= new Map());
  }

  /** What the server learned about the client when it connected (built on first read). */
  get handshake(): Handshake {
    return (this._handshake ??= this.buildHandshake());
  }

  private buildHandshake(): Handshake {
    const request = this.conn.request;
    const headers = request?.headers ?? {};
    const url = request?.url ?? "";
    const query = request?._query ?? parseQuery(url.split("?")[1] ?? "");
    const now = new Date(EPOCH_BASE + this.issued);
    return {
      headers,
      time: now.toString(),
      address:
        this.conn.remoteAddress ??
        request?.remoteAddress ??
        request?.connection?.remoteAddress ??
        request?.socket?.remoteAddress ??
        "",
      xdomain: !!headers.origin,
      secure: !!(request?.connection?.encrypted ?? request?.socket?.encrypted),
      issued: now.getTime(),
      url,
      query: query as Handshake["query"],
      auth: (this.auth === NO_AUTH ? {} : this.auth) as Handshake["auth"],
    };
  }

  /**
   * Emits an event to this client. A trailing function is an ack callback, called with the
   * client's answer (with `timeout()`, with an Error first).
   *
   * @example
   * socket.emit("hello", "world", (answer) => console.log(answer));
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw reservedEvent(ev);
    const data: unknown[] = [ev, ...args];
    const packet: Packet = { type: PacketType.EVENT, data, nsp: this.nsp.name };
    if (typeof data[data.length - 1] === "function") {
      const id = this.nsp._ids++;
      this.registerAckCallback(id, data.pop() as AnyListener);
      packet.id = id;
    }
    const flags = this.flags;
    this.flags = undefined;
    if (this.server.opts.connectionStateRecovery && this.everConnected) {
      // Through the adapter, so the packet gets an offset and is kept for replay: after a
      // disconnection too, so a recovering client gets it, as with upstream (not before the
      // first connection: the socket is not in its own room yet and would miss it).
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags: flags ?? {} });
    } else {
      this.notifyOutgoingListeners(packet);
      // A volatile packet is dropped while a write is in flight (Client.writeToEngine), and
      // a broadcast published this tick to this socket is one (the uWS adapter knows).
      if (flags?.volatile === true && (this.adapter as { publishedTo?(id: string): boolean }).publishedTo?.(this.id)) {
        return true;
      }
      // `flags` is this emit's own object now (detached above): no copy needed.
      this.packet(packet, flags as (SocketFlags & Record<string, unknown>) | undefined);
    }
    return true;
  }

  /**
   * Emits and resolves with the client's answer (rejects on timeout when `timeout()` is set).
   *
   * @example
   * const reply = await socket.timeout(1000).emitWithAck("ping");
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    const withErr = this.flags?.timeout !== undefined;
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((arg1: any, arg2: any) => {
        if (!withErr) return resolve(arg1);
        return arg1 ? reject(arg1) : resolve(arg2);
      });
      (this.emit as (...a: unknown[]) => boolean)(ev, ...args);
    });
  }

  private registerAckCallback(id: number, ack: AnyListener): void {
    const timeout = this.flags?.timeout;
    if (timeout === undefined) {
      this.acks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      debug("ack %d timed out after %d ms", id, timeout);
      this._acks?.delete(id);
      ack.call(this, ackTimeout());
    }, timeout);
    this.acks.set(id, (...args: unknown[]) => {
      clearTimeout(timer);
      ack.apply(this, [null, ...args]);
    });
  }

  /** Broadcast to `room`, excluding this socket. */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().to(room);
  }

  /** Alias of `to`. */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().in(room);
  }

  /** Broadcast to the namespace except `room` and this socket. */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().except(room);
  }

  /** Emits a `message` event. */
  send(...args: EventParams<EmitEvents, "message">): this {
    (this.emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of `send`. */
  write(...args: EventParams<EmitEvents, "message">): this {
    return this.send(...args);
  }

  /** @internal Writes a packet of this namespace to the client. */
  packet(packet: Omit<Packet, "nsp"> & { nsp?: string }, opts?: SocketFlags & Record<string, unknown>): void {
    packet.nsp = this.nsp.name;
    // compress is made explicit so the engine takes these options as they are.
    this.client._packet(packet as Packet, opts === undefined ? { compress: true } : { ...opts, compress: opts.compress !== false });
  }

  /** Joins one or several rooms. */
  join(rooms: Room | Array<Room>): Promise<void> | void {
    if (debug.enabled) debug("%s joins %s", this.id, rooms);
    return this.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  /** Leaves a room. */
  leave(room: string): Promise<void> | void {
    debug("%s leaves %s", this.id, room);
    return this.adapter.del(this.id, room);
  }

  private leaveAll(): void {
    this.adapter.delAll(this.id);
  }

  /** @internal Called by the namespace once middleware accepted the socket. */
  _onconnect(): void {
    this.connected = true;
    this.everConnected = true;
    this.join(this.id);
    // A Socket.IO v2 client (Engine.IO v3) takes a bare CONNECT: its id is the engine's.
    if (this.conn.protocol === 3) this.packet({ type: PacketType.CONNECT });
    else this.packet({ type: PacketType.CONNECT, data: this.pid ? { sid: this.id, pid: this.pid } : { sid: this.id } });
  }

  /** @internal Called by the client with each decoded packet of this namespace. */
  _onpacket(packet: Packet): void {
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onevent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.onack(packet);
        break;
      case PacketType.DISCONNECT:
        this.ondisconnect();
        break;
    }
  }

  private onevent(packet: Packet): void {
    const args: unknown[] = Array.isArray(packet.data) ? packet.data : [];
    // A client must not fire the server's own events (a fake "disconnect"...). The default
    // codec already refuses these names; a third-party codec (msgpack) may not.
    if (RESERVED_EVENTS.has(args[0] as string)) {
      debug("%s: reserved event name %s from the client ignored", this.id, args[0]);
      return;
    }
    if (packet.id != null) args.push(this.ack(packet.id));
    if (this.anyListeners?.length) {
      for (const listener of this.anyListeners.slice()) listener.apply(this, args);
    }
    this.dispatch(args as Event);
  }

  /** An ack function for packet `id`: sends the answer once, ignores later calls. */
  private ack(id: number): AnyListener {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.packet({ id, type: PacketType.ACK, data: args });
    };
  }

  private onack(packet: Packet): void {
    if (packet.id === undefined) return;
    const ack = this._acks?.get(packet.id);
    if (typeof ack !== "function") {
      debug("unknown ack %s", packet.id);
      return;
    }
    this._acks!.delete(packet.id);
    ack.apply(this, Array.isArray(packet.data) ? packet.data : []);
  }

  /** The client left this namespace. */
  private ondisconnect(): void {
    this._onclose("client namespace disconnect");
  }

  /** @internal */
  _onerror(err: Error): void {
    // Reported to listeners, never fatal: without one, node's EventEmitter would throw.
    if (this.listenerCount("error") > 0) this.emitReserved("error", err);
    else debug("%s: error without listener: %s", this.id, err.message);
  }

  /** @internal Leaves the namespace; safe to call more than once. */
  _onclose(reason: DisconnectReason, description?: any): this | undefined {
    if (!this.connected) return this;
    debug("%s closing: %s", this.id, reason);
    this.emitReserved("disconnecting", reason, description);
    if (this.pid && this.server.opts.connectionStateRecovery && RECOVERABLE_DISCONNECT_REASONS.has(reason)) {
      this.adapter.persistSession({ sid: this.id, pid: this.pid, rooms: [...this.rooms], data: this.data });
    }
    this._cleanup();
    this.client._remove(this);
    this.connected = false;
    this.emitReserved("disconnect", reason, description);
    return undefined;
  }

  /** @internal Removes the socket from rooms and the namespace; joins are ignored afterwards. */
  _cleanup(): void {
    this.leaveAll();
    this.nsp._remove(this);
    this._acks = undefined;
    this.join = noop;
  }

  /** @internal Sends CONNECT_ERROR. */
  _error(err: unknown): void {
    this.packet({ type: PacketType.CONNECT_ERROR, data: err });
  }

  /**
   * Disconnects from this namespace (`close = true` closes the whole connection).
   *
   * @example
   * socket.disconnect(true);
   */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client._disconnect();
    } else {
      this.packet({ type: PacketType.DISCONNECT });
      this._onclose("server namespace disconnect");
    }
    return this;
  }

  /** Sets the compress flag of the next emit. */
  compress(compress: boolean): this {
    (this.flags ??= {}).compress = compress;
    return this;
  }

  /** The next emit may be dropped if the client cannot take it right now. */
  get volatile(): this {
    (this.flags ??= {}).volatile = true;
    return this;
  }

  /** Broadcast to the whole namespace except this socket. */
  get broadcast(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator();
  }

  /** Broadcast limited to this server. */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().local;
  }

  /**
   * The ack of the next emit gets an Error first if no answer comes within `timeout` ms.
   * `undefined` means no timeout, as upstream (handy with an optional setting).
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    checkTimeout(timeout);
    (this.flags ??= {}).timeout = timeout;
    return this as any;
  }

  private dispatch(event: Event): void {
    // Listeners run a tick after the middleware chain ends (at once when there is none).
    if (this.fns === undefined || this.fns.length === 0) {
      process.nextTick(Socket.deliver, this, event, undefined);
      return;
    }
    this.run(event, (err) => process.nextTick(Socket.deliver, this, event, err));
  }

  /** Hands an incoming event to the listeners (a function with arguments: no closure per event). */
  private static deliver(socket: Socket<any, any, any, any>, event: Event, err: Error | undefined): void {
    if (err) return socket._onerror(err);
    if (!socket.connected) return debug("dropping event received after disconnection");
    // Guard (CVE-2024-38355): a client may name its event "error". Upstream delivers it to
    // the user's "error" listeners and keeps a no-op listener on every socket so that,
    // without one, EventEmitter does not throw ERR_UNHANDLED_ERROR and kill the process.
    // The same outcome here costs no per-socket listener: with no listener the event is
    // dropped. Any memory cut to Socket must keep this check (test/security/cve-2024-38355).
    if (event[0] === "error" && socket.listenerCount("error") === 0) {
      return debug("%s: client event \"error\" without listener dropped", socket.id);
    }
    // EventEmitter's emit applied to the event as it is: no spread into emitUntyped and no
    // rest array out of it (the echo path's dispatch).
    emitEvent.apply(socket, event);
  }

  /**
   * Adds a per-packet middleware, run on each incoming event before listeners.
   *
   * @example
   * socket.use(([event, ...args], next) => (event === "secret" ? next(new Error("no")) : next()));
   */
  use(fn: (event: Event, next: (err?: Error) => void) => void): this {
    (this.fns ??= []).push(fn);
    return this;
  }

  private run(event: Event, done: (err?: Error) => void): void {
    runChain<[Event], Error>(this.fns ?? [], [event], toError, done);
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** The first HTTP request of the session (a snapshot; see the engine docs). */
  get request(): IncomingMessage {
    return this.client.request as unknown as IncomingMessage;
  }

  /**
   * The Engine.IO session under this socket. Typed as hyperio's engine socket, which is what
   * hyperio's engine creates (upstream types it as engine.io's Socket likewise); a session
   * of an engine given to `io.bind()` has the members of EngineSocket (engine-types.ts),
   * all this layer uses.
   */
  get conn(): EngineSession {
    return this.client.conn as EngineSession;
  }

  /** Rooms this socket is in (its own id included). */
  get rooms(): Set<Room> {
    return this.adapter.socketRooms(this.id) ?? new Set();
  }

  /** Adds a listener called with every incoming event (`event, ...args`). */
  onAny(listener: AnyListener): this {
    (this.anyListeners ??= []).push(listener);
    return this;
  }

  /** Like onAny, but called before the other catch-all listeners. */
  prependAny(listener: AnyListener): this {
    (this.anyListeners ??= []).unshift(listener);
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: AnyListener): this {
    this.anyListeners = removeListener(this.anyListeners, listener);
    return this;
  }

  listenersAny(): AnyListener[] {
    return this.anyListeners ?? [];
  }

  /** Adds a listener called with every outgoing event (including broadcasts reaching this socket). */
  onAnyOutgoing(listener: AnyListener): this {
    (this.anyOutgoingListeners ??= []).push(listener);
    this.nsp._outgoingListenerSockets.add(this);
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    (this.anyOutgoingListeners ??= []).unshift(listener);
    this.nsp._outgoingListenerSockets.add(this);
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.anyOutgoingListeners = removeListener(this.anyOutgoingListeners, listener);
    if (!this.anyOutgoingListeners?.length) this.nsp._outgoingListenerSockets.delete(this);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return this.anyOutgoingListeners ?? [];
  }

  /** @internal Runs the outgoing catch-all listeners for a packet sent to this socket. */
  notifyOutgoingListeners(packet: { data?: unknown }): void {
    if (!this.anyOutgoingListeners?.length || !Array.isArray(packet.data)) return;
    for (const listener of this.anyOutgoingListeners.slice()) listener.apply(this, packet.data);
  }

  private newBroadcastOperator(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    const flags = this.flags;
    this.flags = undefined;
    return new BroadcastOperator(this.adapter, new Set<Room>(), new Set<Room>([this.id]), flags ?? {});
  }
}

function removeListener(list: AnyListener[] | undefined, listener?: AnyListener): AnyListener[] | undefined {
  if (!list) return list;
  if (!listener) return [];
  const i = list.indexOf(listener);
  if (i !== -1) list.splice(i, 1);
  return list;
}
