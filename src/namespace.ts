// Namespace: a named channel multiplexed over every connection (`io.of("/admin")`). Owns its
// sockets, its connection middleware and its adapter (rooms + broadcast).
//
// Connection sequence for a client's CONNECT: create the socket (restoring a session when
// connection state recovery finds one), run middleware (skipped for recovered sockets by
// default), then either CONNECT_ERROR {message, data} or `connection`. An exception thrown
// by middleware is turned into a CONNECT_ERROR: user bugs there must not crash the server.
import { ackPromise } from "./ack-promise";
import createDebug from "debug";
import type { AdapterLike, Room, SocketId } from "./adapter/types";
import { BroadcastOperator, type RemoteSocket } from "./broadcast-operator";
import { invalidOption, reservedEvent } from "./errors";
import { Adapter } from "./adapter/in-memory-adapter";
import { RestoreCatchUp } from "./restore-catch-up";
import type { Client } from "./client";
import type { Server } from "./server";
import { Socket } from "./socket";
import type { ExtendedError } from "./socket-types";
import { runChain, toError } from "./util/run-chain";
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventNamesWithoutAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from "./typed-events";

const debug = createDebug("hyperio:namespace");

export type { ExtendedError };

/** Events the library fires on a Namespace. */
export interface NamespaceReservedEventsMap<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> {
  connect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
  connection: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** Events the library fires on the Server (its main namespace plus `new_namespace`). */
export interface ServerReservedEventsMap<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> extends NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  new_namespace: (namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** Event names `serverSideEmit` refuses. */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = new Set<string | symbol>(["connect", "connection", "new_namespace"]);

type Middleware<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> = (
  socket: Socket<L, E, S, D>,
  next: (err?: ExtendedError) => void,
) => void;

/**
 * A namespace: `io.of("/chat")`.
 *
 * @example
 * const admin = io.of("/admin");
 * admin.use((socket, next) => (socket.handshake.auth.token ? next() : next(new Error("unauthorized"))));
 * admin.on("connection", (socket) => socket.emit("welcome"));
 */
export class Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  public readonly name: string;
  /** Connected sockets, by id. */
  public readonly sockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  public adapter!: AdapterLike;
  public readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

  /** @internal sockets created but still in middleware. */
  public readonly _preConnectSockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** @internal sockets with outgoing catch-all listeners (adapters that skip per-socket JS must still notify them). */
  public readonly _outgoingListenerSockets = new Set<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** @internal ack id counter, shared by all sockets of the namespace (see Adapter.broadcastWithAck). */
  public _ids = 0;
  /** Closes the restore races of a socket.io-adapter cluster adapter (restore-catch-up.ts). */
  private _catchUp: RestoreCatchUp | undefined;
  /** @internal */
  public _fns: Array<Middleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, name: string) {
    super();
    this.server = server;
    this.name = name;
    this._initAdapter();
  }

  /** @internal (Re)creates the adapter from the server's `adapter` setting. */
  _initAdapter(): void {
    const previous = this.adapter as AdapterLike | undefined;
    if (previous) {
      // Replaced (adapter() setter, or bind() picking the backend's default): release its
      // timers and connections.
      Promise.resolve()
        .then(() => previous.close())
        .catch((err) => debug("closing the replaced adapter of %s failed: %s", this.name, err));
    }
    const ctor = this.server._adapterFor();
    this.adapter = instantiate(ctor, this);
    this._catchUp = this.catchUpFor(this.adapter);
    Promise.resolve()
      .then(() => this.adapter.init())
      .catch((err) => debug("adapter init failed for %s: %s", this.name, err));
  }

  /**
   * Adds a connection middleware. Calling `next(err)` refuses the connection: the client's
   * `connect_error` gets `err.message` and `err.data`.
   */
  use(fn: Middleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this._fns.push(fn);
    return this;
  }

  private run(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, done: (err?: ExtendedError) => void): void {
    runChain<[Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>], ExtendedError>(this._fns, [socket], toError, done);
  }

  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().except(room);
  }

  private operator(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator(this.adapter);
  }

  /**
   * hyperio's own adapters restore from memory, in the same tick as the socket's creation, so
   * only a foreign adapter (socket.io-adapter's, with its own history) can race a restore.
   */
  private catchUpFor(adapter: AdapterLike): RestoreCatchUp | undefined {
    const csr = this.server.opts.connectionStateRecovery;
    if (!csr || adapter instanceof Adapter) return undefined;
    return RestoreCatchUp.attach(adapter, csr.maxDisconnectionDuration, csr.maxStoredPackets ?? Infinity);
  }

  /**
   * @internal Connects a client to this namespace: creates the socket (restoring a session
   * when connection state recovery finds one), runs the middleware, and tells the client
   * `_nspConnected(socket)` once connected, then `_nspAttemptEnded(name, err?)` whatever the
   * outcome (connected, refused, client gone; `err` when it failed unexpectedly), so the
   * client knows when a second CONNECT for this namespace is a duplicate.
   *
   * Without a session to restore this runs synchronously up to the chain (no promise per
   * connection: they were a connect storm's largest allocation after the request), and
   * `connection` still comes a tick after the chain ends, as upstream's does.
   */
  _add(client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, auth: Record<string, unknown>): void {
    const pid = auth.pid;
    const offset = auth.offset;
    if (this.server.opts.connectionStateRecovery && typeof pid === "string" && typeof offset === "string") {
      this.restoreSocket(client, auth, pid, offset).then(
        (socket) => this.admit(client, socket),
        (err) => client._nspAttemptEnded(this.name, err),
      );
      return;
    }
    let socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
    try {
      socket = new Socket(this, client, auth);
    } catch (err) {
      return client._nspAttemptEnded(this.name, err);
    }
    this.admit(client, socket);
  }

  /** A recovered socket when the adapter still has the session, else a new one. */
  private async restoreSocket(
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
    pid: string,
    offset: string,
  ): Promise<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    // Held here: an adapter replaced meanwhile comes with a catch-up of its own.
    const catchUp = this._catchUp;
    const watch = catchUp?.watch();
    try {
      const session = await this.adapter.restoreSession(pid, offset);
      if (session && (!watch || catchUp!.complete(watch, session, offset))) {
        this.server._counters.recoveryHits++;
        debug("recovered session of %s", session.sid);
        const socket = new Socket(this, client, auth, session);
        catchUp?.track(socket);
        return socket;
      }
    } catch (err) {
      debug("restoreSession failed: %s", err);
    } finally {
      if (watch) catchUp!.end(watch);
    }
    this.server._counters.recoveryMisses++;
    return new Socket(this, client, auth);
  }

  /** Runs the middleware for a new socket, then connects or refuses it (see _add). */
  private admit(
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  ): void {
    if (client.conn.readyState !== "open") {
      socket._cleanup();
      return client._nspAttemptEnded(this.name);
    }
    const csr = this.server.opts.connectionStateRecovery;
    if (csr && csr.skipMiddlewares && socket.recovered) {
      try {
        this.doConnect(socket);
      } catch (err) {
        return client._nspAttemptEnded(this.name, err);
      }
      return client._nspAttemptEnded(this.name);
    }
    if (this._fns.length === 0) {
      process.nextTick(Namespace.afterChain, this, client, socket, undefined, undefined);
      return;
    }
    // A middleware that never calls next() must not pin the socket once the client is gone.
    // Only registered with middleware: a listener, even removed, leaves a listener dictionary
    // on the engine session for its lifetime.
    const onClientGone = (): void => {
      if (this._preConnectSockets.get(socket.id) === socket) socket._cleanup();
    };
    client.conn.once("close", onClientGone);
    this.run(socket, (err) => process.nextTick(Namespace.afterChain, this, client, socket, err, onClientGone));
  }

  /** The tick after the middleware chain: connect, or refuse with CONNECT_ERROR. */
  private static afterChain(
    nsp: Namespace<any, any, any, any>,
    client: Client<any, any, any, any>,
    socket: Socket<any, any, any, any>,
    err: ExtendedError | undefined,
    onClientGone: (() => void) | undefined,
  ): void {
    if (onClientGone) client.conn.removeListener("close", onClientGone);
    try {
      if (client.conn.readyState !== "open") {
        debug("client closed during middleware");
        socket._cleanup();
      } else if (err) {
        debug("middleware refused %s: %s", socket.id, err.message);
        socket._cleanup();
        // A Socket.IO v2 client (Engine.IO v3) gets the error's data, else its message.
        socket._error(client.conn.protocol === 3 ? (err.data || err.message) : { message: err.message, data: err.data });
      } else {
        nsp.doConnect(socket);
      }
    } finally {
      // Also when a `connection` listener threw: that still reaches the process, as upstream.
      client._nspAttemptEnded(nsp.name);
    }
  }

  private doConnect(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this._preConnectSockets.delete(socket.id);
    this._catchUp?.untrack(socket.id);
    this.sockets.set(socket.id, socket);
    socket._onconnect();
    socket.client._nspConnected(socket);
    this.emitReserved("connect", socket);
    this.emitReserved("connection", socket);
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this._outgoingListenerSockets.delete(socket);
    if (!this.sockets.delete(socket.id) && this._preConnectSockets.delete(socket.id)) this._catchUp?.untrack(socket.id);
  }

  /**
   * Emits to every socket of the namespace.
   *
   * @example
   * io.of("/chat").emit("announcement", "hello everyone");
   */
  override emit<Ev extends EventNamesWithoutAck<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return (this.operator().emit as (...a: unknown[]) => boolean)(ev, ...args);
  }

  send(...args: EventParams<EmitEvents, "message">): this {
    (this.emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, "message">): this {
    return this.send(...args);
  }

  /**
   * Emits to the other Socket.IO servers of the cluster (needs a cluster adapter).
   *
   * @example
   * io.serverSideEmit("hello", "world");
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    if (RESERVED_EVENTS.has(ev)) throw reservedEvent(ev);
    this.adapter.serverSideEmit([ev, ...args]);
    return true;
  }

  /** Promise form of serverSideEmit with an ack: resolves with every server's answer. */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return ackPromise((ack) => (this.serverSideEmit as (...a: unknown[]) => boolean)(ev, ...args, ack));
  }

  /** @internal Fires `new_namespace` (on the main namespace, where io.on() listens). */
  _emitNewNamespace(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.emitUntyped("new_namespace", nsp);
  }

  /** @internal Called by cluster adapters with an event from another server. */
  _onServerSideEmit(args: [string, ...any[]]): void {
    this.emitUntyped(...args);
  }

  /** Ids of every socket of the namespace. */
  allSockets(): Promise<Set<SocketId>> {
    return this.operator().allSockets();
  }

  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().compress(compress);
  }

  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().volatile;
  }

  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().local;
  }

  timeout(
    timeout: number,
  ): BroadcastOperator<DecorateAcknowledgements<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>, SocketData> {
    return this.operator().timeout(timeout);
  }

  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.operator().fetchSockets() as Promise<any>;
  }

  socketsJoin(room: Room | Room[]): void {
    this.operator().socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    this.operator().socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.operator().disconnectSockets(close);
  }
}

/** Builds an adapter from a class or a factory function (both accepted by the option). */
function instantiate(ctor: unknown, nsp: unknown): AdapterLike {
  const f = ctor as any;
  if (typeof f !== "function") throw invalidOption("adapter", "expected an adapter class or factory function");
  // Classes (and old-style constructor functions) have a prototype; arrow factories do not.
  return f.prototype ? new f(nsp) : f(nsp);
}
