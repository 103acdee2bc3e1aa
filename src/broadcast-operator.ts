// BroadcastOperator: an immutable description of "these rooms, minus those, with these
// flags", on which emit / fetchSockets / socketsJoin / ... act through the adapter. Every
// modifier returns a new operator, so `const news = io.to("news"); news.volatile.emit(...)`
// never changes `news`.
import { ackPromise } from "./ack-promise";
import createDebug from "debug";
import type { AdapterLike, BroadcastFlags, Room, SocketId } from "./adapter/types";
import { ackTimeout, invalidArgument, reservedEvent } from "./errors";
import { PacketType } from "./parser-types";
import { RESERVED_EVENTS, type Handshake } from "./socket-types";
import type {
  AllButLast,
  DecorateAcknowledgements,
  EventNames,
  EventNamesWithError,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  TypedEventBroadcaster,
} from "./typed-events";

const debug = createDebug("hyperio:broadcast-operator");

type Flags = BroadcastFlags & { expectSingleResponse?: boolean };

/**
 * Validates an ack timeout: a non-negative number of ms, or undefined (no timeout, as
 * upstream treats it). Upstream would turn a negative or NaN value into a 1 ms timer; that
 * is a bug in the caller, reported here instead.
 */
export function checkTimeout(timeout: unknown): void {
  if (timeout === undefined) return;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0) {
    throw invalidArgument("timeout", `expected a non-negative number of ms, got ${String(timeout)}`);
  }
}

/**
 * Targets a set of sockets of one namespace.
 *
 * @example
 * io.to("room1").except("room2").emit("hello");
 * const answers = await io.timeout(1000).emitWithAck("ping"); // one answer per socket
 */
export class BroadcastOperator<EmitEvents extends EventsMap, SocketData> implements TypedEventBroadcaster<EmitEvents> {
  constructor(
    private readonly adapter: AdapterLike,
    private readonly rooms: Set<Room> = new Set<Room>(),
    private readonly exceptRooms: Set<Room> = new Set<Room>(),
    private readonly flags: Flags = {},
  ) {}

  /** Targets sockets in `room` too (a union with rooms already named). */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.adapter, rooms, this.exceptRooms, this.flags);
  }

  /** Alias of `to`. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Skips sockets in `room`. */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const exceptRooms = new Set(this.exceptRooms);
    for (const r of Array.isArray(room) ? room : [room]) exceptRooms.add(r);
    return new BroadcastOperator(this.adapter, this.rooms, exceptRooms, this.flags);
  }

  /** Sets the compress flag (permessage-deflate / http compression). */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.withFlags({ compress });
  }

  /** The packet may be dropped for sockets that cannot take it right now. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.withFlags({ volatile: true });
  }

  /** Only this server's sockets (matters with a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.withFlags({ local: true });
  }

  /**
   * Acks get an Error first when not all answers arrive within `timeout` ms. (`undefined`
   * is accepted, as upstream: the same as not calling timeout().)
   */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    checkTimeout(timeout);
    return this.withFlags({ timeout }) as any;
  }

  private withFlags(extra: Flags): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, ...extra });
  }

  /**
   * Emits to every targeted socket. With a trailing callback, the callback gets
   * `(err, responses)` once every recipient answered or the timeout elapsed.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw reservedEvent(ev);
    const data: unknown[] = [ev, ...args];
    const packet: { type: PacketType; data: unknown[]; id?: number } = { type: PacketType.EVENT, data };
    const opts = { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
    this.adapter.nsp.server._counters.broadcasts++;
    if (typeof data[data.length - 1] !== "function") {
      this.adapter.broadcast(packet, opts);
      return true;
    }
    const ack = data.pop() as (...a: unknown[]) => void;
    this.emitExpectingAcks(packet, opts, ack);
    return true;
  }

  private emitExpectingAcks(packet: { type: PacketType; data: unknown[]; id?: number }, opts: any, ack: (...a: unknown[]) => void): void {
    const single = this.flags.expectSingleResponse === true;
    const responses: unknown[] = [];
    let done = false;
    let expectedServers = -1;
    let answeredServers = 0;
    let expectedClients = 0;
    const finish = (err: Error | null) => {
      done = true;
      clearTimeout(timer);
      ack(err, single ? (err ? null : responses[0]) : responses);
    };
    // Without `.timeout()` the timer still runs, with Node's default 1 ms delay: the callback
    // gets a timeout error almost at once unless every recipient already answered (or there
    // is none). That is socket.io 4.8's behaviour, kept so code moving over sees no change;
    // the typings of io.emit already ask for `.timeout()` before an ack callback.
    const timer = setTimeout(() => {
      if (done) return;
      debug("broadcast ack timed out after %s ms", this.flags.timeout);
      // Late answers must find no callback any more (nor keep it in memory).
      if (packet.id !== undefined) {
        for (const socket of this.adapter.nsp.sockets.values()) socket.acks.delete(packet.id);
      }
      finish(ackTimeout());
    }, this.flags.timeout);
    const check = () => {
      if (!done && expectedServers === answeredServers && responses.length === expectedClients) finish(null);
    };
    this.adapter.broadcastWithAck(
      packet,
      opts,
      (clientCount) => {
        expectedClients += clientCount;
        answeredServers++;
        check();
      },
      (response: unknown) => {
        if (done) return;
        responses.push(response);
        check();
      },
    );
    this.adapter.serverCount().then((count) => {
      expectedServers = count;
      check();
    });
  }

  /** Promise form of an acknowledged emit: resolves with the answers, rejects on timeout. */
  emitWithAck<Ev extends EventNamesWithError<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return ackPromise((ack) => (this.emit as (...a: unknown[]) => boolean)(ev, ...args, ack));
  }

  /** Ids of the targeted sockets (ignores `except`, as upstream). */
  allSockets(): Promise<Set<SocketId>> {
    return this.adapter.sockets(this.rooms);
  }

  /** The targeted sockets: local Socket instances, or RemoteSocket for other servers. */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.adapter
      .fetchSockets({ rooms: this.rooms, except: this.exceptRooms, flags: this.flags })
      .then((sockets) =>
        sockets.map((socket) => (socket && socket.server ? socket : new RemoteSocket(this.adapter, socket))),
      );
  }

  /** Makes the targeted sockets join `room`. */
  socketsJoin(room: Room | Room[]): void {
    this.adapter.addSockets(this.targets(), Array.isArray(room) ? room : [room]);
  }

  /** Makes the targeted sockets leave `room`. */
  socketsLeave(room: Room | Room[]): void {
    this.adapter.delSockets(this.targets(), Array.isArray(room) ? room : [room]);
  }

  /** Disconnects the targeted sockets; `close` also closes their underlying connection. */
  disconnectSockets(close = false): void {
    this.adapter.disconnectSockets(this.targets(), close);
  }

  private targets() {
    return { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
  }
}

/** What a server reports about a socket it holds. */
export interface SocketDetails<SocketData> {
  id: SocketId;
  handshake: Handshake;
  rooms: Room[];
  data: SocketData;
}

/**
 * A socket held by another server of the cluster (returned by fetchSockets through a
 * cluster adapter), with the subset of the Socket API that works remotely.
 *
 * @example
 * for (const s of await io.in("room").fetchSockets()) s.emit("hi");
 */
export class RemoteSocket<EmitEvents extends EventsMap, SocketData> implements TypedEventBroadcaster<EmitEvents> {
  public readonly id: SocketId;
  public readonly handshake: Handshake;
  public readonly rooms: Set<Room>;
  public readonly data: SocketData;
  private readonly operator: BroadcastOperator<EmitEvents, SocketData>;

  constructor(adapter: AdapterLike, details: SocketDetails<SocketData>) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    // a single answer, so that remoteSocket.emit(..., cb) behaves like socket.emit(..., cb)
    this.operator = new BroadcastOperator(adapter, new Set([this.id]), new Set(), { expectSingleResponse: true });
  }

  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return this.operator.timeout(timeout);
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.operator.emit(ev, ...args);
  }

  join(room: Room | Room[]): void {
    this.operator.socketsJoin(room);
  }

  leave(room: Room): void {
    this.operator.socketsLeave(room);
  }

  disconnect(close = false): this {
    this.operator.disconnectSockets(close);
    return this;
  }
}
