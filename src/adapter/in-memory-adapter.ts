// The in-memory adapter: which socket is in which room, and delivery of broadcasts to the
// sockets of this process.
//
// Invariants: `rooms` and `sids` mirror each other (sid ∈ rooms[r] ⇔ r ∈ sids[sid]); a room
// whose last member leaves is deleted (so `rooms` never holds empty sets and cannot grow
// without live members). Events `create-room`, `join-room`, `leave-room`, `delete-room` fire
// exactly when those maps change, as upstream's adapter does, because cluster adapters and
// user code listen to them.
//
// A broadcast encodes its packet once and hands the same encoded frames to every recipient.
import { EventEmitter } from "node:events";
import createDebug from "debug";
import type {
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  PrivateSessionId,
  Room,
  Session,
  SessionToPersist,
  SocketId,
} from "./types";

const debug = createDebug("hyperio:in-memory-adapter");

/** Options handed to `client.writeToEngine` for a packet that is already encoded. */
export interface WriteOptions {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
  [key: string]: unknown;
}

/**
 * The encoder as adapters see it: upstream's `encode`, plus hyperio's optional `encodeOnce`
 * (the default codec has it; a third-party codec such as msgpack may not).
 */
export interface BroadcastEncoder {
  encode(packet: any): any[];
  encodeOnce?(packet: any): { text: string; attachments: readonly Buffer[] };
}

/**
 * Encodes a broadcast packet once, into what `client.writeToEngine` takes: the packet text
 * followed by its attachments as Buffers (or, for a codec without `encodeOnce`, whatever its
 * `encode` returns). Every recipient gets these very objects.
 */
export function encodeBroadcast(encoder: BroadcastEncoder, packet: any): Array<string | Buffer> {
  if (typeof encoder.encodeOnce === "function") {
    const { text, attachments } = encoder.encodeOnce(packet);
    return attachments.length === 0 ? [text] : [text, ...attachments];
  }
  return encoder.encode(packet);
}

/**
 * In-memory adapter with upstream socket.io-adapter's contract.
 *
 * @example
 * class LoggingAdapter extends Adapter {
 *   override addAll(id: string, rooms: Set<string>) {
 *     console.log(id, "joins", rooms);
 *     super.addAll(id, rooms);
 *   }
 * }
 * const io = new Server({ adapter: LoggingAdapter });
 */
export class Adapter extends EventEmitter {
  public rooms: Map<Room, Set<SocketId>> = new Map();
  public sids: Map<SocketId, Set<Room>> = new Map();
  protected readonly encoder: BroadcastEncoder;

  constructor(public readonly nsp: AdapterNamespace | any) {
    super();
    this.encoder = nsp.server.encoder;
  }

  /** Called once after construction; cluster adapters connect here. */
  init(): Promise<void> | void {}

  /** Called when the namespace or server closes. */
  close(): Promise<void> | void {}

  /** Number of Socket.IO servers sharing this adapter (1 in memory). */
  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  /** Adds a socket to rooms. */
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
    let joined = this.sids.get(id);
    if (!joined) {
      joined = new Set();
      this.sids.set(id, joined);
    }
    for (const room of rooms) {
      joined.add(room);
      let members = this.rooms.get(room);
      if (!members) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit("create-room", room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit("join-room", room, id);
      }
    }
  }

  /** Removes a socket from one room. */
  del(id: SocketId, room: Room): Promise<void> | void {
    this.sids.get(id)?.delete(room);
    this.removeMember(room, id);
  }

  /** Removes a socket from every room it is in. */
  delAll(id: SocketId): void {
    const joined = this.sids.get(id);
    if (!joined) return;
    for (const room of joined) this.removeMember(room, id);
    this.sids.delete(id);
  }

  private removeMember(room: Room, id: SocketId): void {
    const members = this.rooms.get(room);
    if (!members) return;
    if (members.delete(id)) this.emit("leave-room", room, id);
    if (members.size === 0 && this.rooms.delete(room)) this.emit("delete-room", room);
  }

  /** Sends a packet to every socket matching `opts`, encoding it once. */
  broadcast(packet: any, opts: BroadcastOptions): void {
    const writeOpts = this.writeOptions(opts);
    packet.nsp = this.nsp.name;
    const encoded = encodeBroadcast(this.encoder, packet);
    this.apply(opts, (socket) => {
      socket.notifyOutgoingListeners?.(packet);
      socket.client.writeToEngine(encoded, writeOpts);
    });
  }

  /**
   * Sends a packet expecting one acknowledgement per recipient. `clientCountCallback` gets
   * how many sockets were written to; `ack` runs once per answer.
   */
  broadcastWithAck(
    packet: any,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: any[]) => void,
  ): void {
    const writeOpts = this.writeOptions(opts);
    packet.nsp = this.nsp.name;
    // One id serves every recipient: ids come from the namespace counter, so no socket of
    // this namespace has another pending ack with the same id.
    packet.id = this.nsp._ids++;
    const encoded = encodeBroadcast(this.encoder, packet);
    let count = 0;
    this.apply(opts, (socket) => {
      count++;
      socket.acks.set(packet.id, ack);
      socket.notifyOutgoingListeners?.(packet);
      socket.client.writeToEngine(encoded, writeOpts);
    });
    clientCountCallback(count);
  }

  protected writeOptions(opts: BroadcastOptions): WriteOptions {
    const flags = opts.flags ?? {};
    return { preEncoded: true, volatile: flags.volatile, compress: flags.compress };
  }

  /** Ids of the sockets in any of `rooms` (all sockets when empty). */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  /** The rooms a socket is in. */
  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  /** The local sockets matching `opts`. */
  fetchSockets(opts: BroadcastOptions): Promise<any[]> {
    const found: AdapterSocket[] = [];
    this.apply(opts, (socket) => found.push(socket));
    return Promise.resolve(found);
  }

  /** Makes the matching sockets join `rooms`. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      socket.join(rooms);
    });
  }

  /** Makes the matching sockets leave `rooms`. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  /** Disconnects the matching sockets (`close` also closes their connection). */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.apply(opts, (socket) => {
      socket.disconnect(close);
    });
  }

  /**
   * Calls `fn` once for each socket in any of `opts.rooms` (the whole namespace when empty)
   * and in none of `opts.except`. A socket in several target rooms is visited once.
   */
  protected apply(opts: BroadcastOptions, fn: (socket: AdapterSocket) => void): void {
    this.applyExcluding(opts.rooms, this.computeExceptSids(opts.except), fn);
  }

  /** `apply` with the excluded socket ids already computed (by a caller that needed them too). */
  protected applyExcluding(rooms: Set<Room>, except: Set<SocketId>, fn: (socket: AdapterSocket) => void): void {
    const sockets: Map<SocketId, AdapterSocket> = this.nsp.sockets;
    if (rooms.size === 0) {
      // `fn` may disconnect sockets, deleting entries: Map/Set iteration tolerates that.
      for (const id of this.sids.keys()) {
        if (except.has(id)) continue;
        const socket = sockets.get(id);
        if (socket) fn(socket);
      }
      return;
    }
    const visited = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (!members) continue;
      for (const id of members) {
        if (visited.has(id) || except.has(id)) continue;
        const socket = sockets.get(id);
        if (!socket) continue;
        visited.add(id);
        fn(socket);
      }
    }
  }

  /** Ids of the sockets in any of the `except` rooms. */
  protected computeExceptSids(exceptRooms?: Set<Room>): Set<SocketId> {
    const ids = new Set<SocketId>();
    if (!exceptRooms) return ids;
    for (const room of exceptRooms) {
      const members = this.rooms.get(room);
      if (members) for (const id of members) ids.add(id);
    }
    return ids;
  }

  /**
   * Sends an event to the other Socket.IO servers. In memory there are none: the event goes
   * nowhere, with a warning, and an ack callback is never called, so
   * `serverSideEmitWithAck` stays pending, exactly as with socket.io 4.8's in-memory adapter
   * (the callback is not kept, so nothing leaks). Use a cluster adapter for this feature.
   */
  serverSideEmit(packet: any[]): void {
    debug("serverSideEmit needs a cluster adapter; ignoring %s", packet[0]);
    console.warn("this adapter does not support the serverSideEmit() functionality");
  }

  /** Keeps a disconnected socket's state for connection state recovery (no-op here). */
  persistSession(_session: SessionToPersist): void {}

  /** Returns a persisted session and the packets it missed, or null. */
  restoreSession(_pid: PrivateSessionId, _offset: string): Promise<Session | null> | null {
    return null;
  }
}
