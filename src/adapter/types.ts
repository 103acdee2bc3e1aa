// Types of the adapter contract, identical in shape to upstream socket.io-adapter's so that
// adapters written for socket.io (Redis, cluster, ...) plug in through the `adapter` option.
import type { EngineServer } from "../engine-types";

export type SocketId = string;
/** The private id a client presents to recover its session (connection state recovery). */
export type PrivateSessionId = string;
export type Room = string;

/** Modifiers of one broadcast. */
export interface BroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  broadcast?: boolean;
  binary?: boolean;
  timeout?: number;
  /** Set by RemoteSocket so that its emit-with-ack resolves with one answer, not an array. */
  expectSingleResponse?: boolean;
}

/** Who a broadcast (or fetchSockets, socketsJoin...) targets. */
export interface BroadcastOptions {
  /** Sockets in any of these rooms; empty means the whole namespace. */
  rooms: Set<Room>;
  /** Sockets in any of these rooms are skipped. */
  except?: Set<Room>;
  flags?: BroadcastFlags;
}

/** What a disconnecting socket leaves behind for connection state recovery. */
export interface SessionToPersist {
  sid: SocketId;
  pid: PrivateSessionId;
  rooms: Room[];
  data: unknown;
}

/** A restored session: the persisted state plus the packets the client missed. */
export type Session = SessionToPersist & { missedPackets: unknown[][] };

/**
 * The namespace as seen by an adapter. Upstream adapters use exactly these members
 * (`server.encoder`, `sockets`, `_ids`, `name`, `server.opts`).
 */
export interface AdapterNamespace {
  readonly name: string;
  readonly sockets: Map<SocketId, AdapterSocket>;
  _ids: number;
  readonly server: {
    encoder: { encode(packet: any): any[] };
    opts: { connectionStateRecovery?: { maxDisconnectionDuration?: number } | false | undefined };
    /** Read by UwsAdapter only (publish); see engine-types.ts. */
    engine?: EngineServer;
  };
}

/** The socket as seen by an adapter. */
export interface AdapterSocket {
  readonly id: SocketId;
  readonly acks: Map<number, (...args: any[]) => void>;
  readonly client: { writeToEngine(encoded: any[], opts: Record<string, any>): void; conn: any };
  notifyOutgoingListeners?(packet: any): void;
  join(rooms: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): unknown;
}

/**
 * The public surface of an adapter, written as an interface so that classes from other
 * packages (socket.io-adapter's Adapter, Redis adapters...) satisfy it structurally.
 */
export interface AdapterLike {
  readonly nsp: any;
  rooms: Map<Room, Set<SocketId>>;
  sids: Map<SocketId, Set<Room>>;
  init(): Promise<void> | void;
  close(): Promise<void> | void;
  serverCount(): Promise<number>;
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void;
  del(id: SocketId, room: Room): Promise<void> | void;
  delAll(id: SocketId): void;
  broadcast(packet: any, opts: BroadcastOptions): void;
  broadcastWithAck(
    packet: any,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: any[]) => void,
  ): void;
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  socketRooms(id: SocketId): Set<Room> | undefined;
  fetchSockets(opts: BroadcastOptions): Promise<any[]>;
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  serverSideEmit(packet: any[]): void;
  persistSession(session: SessionToPersist): void;
  restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> | null;
  on(event: string | symbol, listener: (...args: any[]) => void): any;
}

/** What the `adapter` option accepts: an adapter class, or a factory. */
export type AdapterConstructor = (new (nsp: any) => AdapterLike) | ((nsp: any) => AdapterLike);
