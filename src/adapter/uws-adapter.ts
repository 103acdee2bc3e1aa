// The adapter used on the uWS backend: rooms are uWS topics, so one `engine.publish` hands a
// broadcast to every WebSocket subscriber in C++ instead of one JS call per socket.
//
// Topics. Each socket of namespace N, while connected, subscribes (through its engine
// socket, which re-applies topics when it upgrades to WebSocket) to
//   - the namespace topic   `<len(N)>N\x1e`        (whole-namespace broadcasts), and
//   - one topic per room R  `<len(N)>N\x1fR`       (except its own-id room: a one-member
//     topic per socket would cost uWS memory and buys nothing, a direct write is as cheap).
// The length prefix keeps topics of different namespaces apart whatever characters names
// contain.
//
// What the pinned uWS binary does (measured with two raw clients, see the report):
//   - `publish` is deferred: messages are queued per subscriber and drained at the end of
//     the event-loop iteration, but a direct `ws.send` first drains the queue of that
//     socket, so per-socket order between published and directly-sent frames holds.
//   - the subscriber set is captured at publish time: unsubscribe-before-publish excludes.
//   - a subscriber that drops its LAST topic loses the messages still queued for it. The
//     namespace topic is therefore kept until the socket leaves the namespace, so it always
//     anchors the socket while other topics come and go.
//
// Delivering each recipient exactly once when a broadcast names several rooms or `except`:
// we publish to ONE topic T and write individually to the recipients T does not cover. T is
//   - the shape's derived topic (derived-topics.ts) once the same rooms and excluded rooms
//     have been broadcast to `derivedTopics.after` times: its subscribers are exactly the
//     shape's members, kept up to date by addAll / del / delAll, so nothing is left to write
//     but the polling members; excluded own-id rooms (socket.to, except(socket.id)) stay out
//     of the shape and are handled below, so every sender shares one topic;
//   - else the namespace topic when no room is named, or the largest named room; then the
//     members of the other named rooms that are not in T are written to one by one.
// Recipients still on long-polling are written to in every case (they are not uWS
// subscribers). Excluded sockets inside T are handled by, in order of preference:
//   1. none excluded              -> engine.publish(T)
//   2. exactly one excluded        -> that socket's publishFromSelf(T) (uWS ws.publish skips
//                                     the publisher; this is socket.broadcast.emit)
//   3. a few excluded (at most MAX_EXCLUDED_FRACTION of T), each anchored by another topic
//                                  -> unsubscribe them from T, publish, resubscribe (valid
//                                     because the subscriber set is captured at publish)
//   4. otherwise                   -> no publish: one engine write per recipient (the
//                                     in-memory path), the same encoded packet for each.
// Measured (bench/broadcast-fanout.ts: 500 WebSocket clients in another process, 200
// broadcasts of 100 B per shape, server CPU per delivery, 2 shared cores, noisy to +-30%):
// publish ~300 ns (io.emit, to(room), except 4 sockets via case 3, socket.broadcast via
// case 2). One engine write per recipient costs ~1000 ns with the in-memory adapter but
// ~2300-3300 ns here. Why, measured later (docs/PERFORMANCE.md, "Multi-room broadcasts"):
// engine.publish first flushes every write queued this tick (per-socket order), so when
// broadcasts that publish and broadcasts that write alternate within a tick, each direct
// write goes out as its own send(2) (0.47 sends per delivery against 0.05 with the in-memory
// adapter, bursts of 20) instead of one per socket per tick; and case 4 used to walk every
// excluded socket before giving up (it now stops at the threshold). Derived topics take
// repeating shapes off this path altogether. Case 3 pays ~1.5-2 us per excluded socket (unsubscribe +
// resubscribe): ~750-900 ns per delivery with 10% or 25% of T excluded, ~2000-2800 ns with
// half of T excluded (a tie with writes, hence the threshold), ~10 us with 80%. A temporary
// topic per broadcast (subscribe every recipient, publish, unsubscribe them) measured
// ~1900-4300 ns per delivery, no better than writing, so it is not used. Broadcasts that
// exclude most of a room therefore cost ~3x more per delivery on this adapter than on the
// in-memory one (bench/broadcast-fanout.ts shows it, shape "io.to(all).except(80%)").
//
// Acknowledged broadcasts (broadcastWithAck) register an ack per recipient anyway, so they
// take the in-memory path. So do volatile broadcasts: upstream drops a volatile packet for
// each recipient whose transport has a write in flight (the second volatile broadcast of a
// tick reaches nobody who got the first), a per-recipient decision that a publish cannot
// make (uWS would deliver to every subscriber under its backpressure limit). Non-volatile
// broadcasts pay one flag test for it, and a publish records its recipients (the topic's
// member set and the excluded ids, by reference) for the rest of the tick: a volatile
// packet to one of them is dropped, as upstream's transport would still be writing the
// broadcast to it.
//
// Large messages. uWS drops a publish for a subscriber already holding more than its
// budget (maxBufferedBytes) and closes it, whatever that backlog is made of; the engine's
// cap never counts the one largest message a session is writing (src/engine/socket.ts), so
// a reader draining one message over the cap is not behind. Two cases would let uWS close
// such a reader, so they are written to each recipient (where the engine applies its own
// rule) instead of published: a broadcast larger than half the cap (published, it could
// take a subscriber over budget by itself: the next publish would find it there), and any
// broadcast while some uWS socket is over its budget (after a large direct send; a counter
// kept by the transports, so the common case costs one read).
import createDebug from "debug";
import { Adapter, encodeBroadcast } from "./in-memory-adapter";
import { withSessionRecovery } from "./session-aware-adapter";
import { DerivedTopics, resolveDerivedTopicsOption, type DerivedTopic } from "./derived-topics";
// The one engine internal read here: whether some uWS socket is over its budget (below).
import { uwsSocketsOverBudget } from "../engine/transports/uws-websocket";
import type { EngineServer } from "../engine-types";
import type { AdapterSocket, BroadcastOptions, PrivateSessionId, Room, Session, SessionToPersist, SocketId } from "./types";

const debug = createDebug("hyperio:uws-adapter");

/** Below this many members a topic is not worth a publish: write directly. */
const MIN_PUBLISH_MEMBERS = 2;

/**
 * Case 3 above applies while excluded members are at most this fraction of T; past it, one
 * write per recipient is cheaper (measurements in the header: about a tie at one half).
 */
const MAX_EXCLUDED_FRACTION = 0.5;

const NO_ROOMS: readonly Room[] = [];

interface Frame {
  data: string | Buffer;
  isBinary: boolean;
}

interface TopicSocket extends AdapterSocket {
  readonly conn: {
    /** Engine.IO revision: a v3 session never subscribes to topics (engine/transports/uws-websocket-v3.ts). */
    readonly protocol?: number;
    readonly transport: { name: string; writable: boolean };
    readonly readyState: string;
    subscribe?(topic: string): unknown;
    unsubscribe?(topic: string): unknown;
    publishFromSelf?(topic: string, data: string | Buffer, isBinary: boolean): unknown;
    on(ev: string, fn: (...args: any[]) => void): unknown;
    removeListener(ev: string, fn: (...args: any[]) => void): unknown;
  };
}

/**
 * Adapter that maps rooms onto uWS topics; chosen automatically when the engine supports
 * publish (uWS backend) and no `adapter` option is given.
 *
 * @example
 * const io = new Server(); // uWS backend -> UwsAdapter
 * io.listen(3000);
 * io.to("news").emit("headline", "..."); // one engine.publish for all WebSocket members
 */
export class UwsAdapter extends Adapter {
  private readonly prefix: string;
  private readonly nspTopic: string;
  private readonly topics = new Map<Room, string>();
  /** Sockets of this namespace not (yet) on a WebSocket transport: publish misses them. */
  private readonly polling = new Set<SocketId>();
  private readonly upgradeListeners = new Map<SocketId, () => void>();
  /**
   * The recipients of this tick's publishes (T's members minus the excluded), cleared by a
   * microtask: each has a write in flight, as upstream's transport would after writing
   * the broadcast to it, so a volatile packet to it is dropped (publishedTo).
   */
  private publishedThisTick: Array<{ members: Set<SocketId> | Map<SocketId, Set<Room>>; except: Set<SocketId> }> | undefined =
    undefined;
  /** Topics of repeating multi-room / except shapes (derived-topics.ts); undefined when off. */
  private readonly derived: DerivedTopics | undefined;

  constructor(nsp: any) {
    super(nsp);
    this.prefix = String(nsp.name.length) + nsp.name;
    this.nspTopic = this.prefix + "\x1e";
    const derivedOpts = resolveDerivedTopicsOption(nsp.server.opts?.derivedTopics);
    this.derived =
      derivedOpts === false
        ? undefined
        : new DerivedTopics(
            {
              rooms: this.rooms,
              sids: this.sids,
              subscribe: (id, topic) => {
                const conn = this.localSocket(id)?.conn;
                if (!conn?.subscribe || conn.readyState === "closed") return false;
                conn.subscribe(topic);
                return true;
              },
              unsubscribe: (id, topic) => {
                const conn = this.localSocket(id)?.conn;
                if (conn?.unsubscribe && conn.readyState !== "closed") conn.unsubscribe(topic);
              },
            },
            // \x1d: no room topic (\x1f) or namespace topic (\x1e) of any namespace starts so.
            this.prefix + "\x1d",
            derivedOpts,
          );
  }

  /** Derived topics held and the subscriptions they cost (diagnostics; see derived-topics.ts). */
  get derivedTopicStats(): { topics: number; subscriptions: number; evictions: number } {
    const d = this.derived;
    return { topics: d?.size ?? 0, subscriptions: d?.subscriptions ?? 0, evictions: d?.evictions ?? 0 };
  }

  /** The uWS topic of a room. */
  topicOf(room: Room): string {
    let topic = this.topics.get(room);
    if (topic === undefined) {
      topic = this.prefix + "\x1f" + room;
      this.topics.set(room, topic);
    }
    return topic;
  }

  private get engine(): EngineServer | undefined {
    return this.nsp.server.engine;
  }

  private localSocket(id: SocketId): TopicSocket | undefined {
    return (this.nsp.sockets.get(id) ?? this.nsp._preConnectSockets?.get(id)) as TopicSocket | undefined;
  }

  override addAll(id: SocketId, rooms: Set<Room>): void {
    const isNew = !this.sids.has(id);
    const before = this.sids.get(id);
    const added: Room[] = [];
    for (const room of rooms) if (!before?.has(room)) added.push(room);
    super.addAll(id, rooms);
    const socket = this.localSocket(id);
    const conn = socket?.conn;
    if (conn?.subscribe && conn.readyState !== "closed") {
      if (isNew) this.track(socket!);
      for (const room of added) if (room !== id) conn.subscribe(this.topicOf(room));
    }
    this.derived?.joined(id, added, isNew);
  }

  override del(id: SocketId, room: Room): void {
    const wasMember = this.rooms.get(room)?.has(id) ?? false;
    super.del(id, room);
    if (!wasMember) return;
    this.derived?.left(id, room);
    if (room === id) return;
    const conn = this.localSocket(id)?.conn;
    if (conn?.unsubscribe && conn.readyState !== "closed") conn.unsubscribe(this.topicOf(room));
    this.forgetTopicIfEmpty(room);
  }

  override delAll(id: SocketId): void {
    const joined = this.sids.get(id);
    const socket = this.localSocket(id);
    const conn = socket?.conn;
    // Derived topics first: the namespace topic anchors the socket until the end.
    if (joined) this.derived?.removed(id);
    if (joined && conn?.unsubscribe && conn.readyState !== "closed") {
      for (const room of joined) if (room !== id) conn.unsubscribe(this.topicOf(room));
      // Last: the namespace topic anchors the socket while its other topics go.
      conn.unsubscribe(this.nspTopic);
    }
    this.untrack(id, socket);
    super.delAll(id);
    if (joined) for (const room of joined) this.forgetTopicIfEmpty(room);
  }

  override close(): Promise<void> | void {
    this.derived?.clear();
    return super.close();
  }

  private forgetTopicIfEmpty(room: Room): void {
    if (!this.rooms.has(room)) this.topics.delete(room);
  }

  /** Starts following a socket: namespace topic, and whether publish reaches it. */
  private track(socket: TopicSocket): void {
    const conn = socket.conn;
    conn.subscribe!(this.nspTopic);
    // A v3 session (Socket.IO v2 client) is written to one by one on any transport: a
    // publish's v4 binary frames would be misread by it.
    if (conn.protocol === 3) {
      this.polling.add(socket.id);
    } else if (conn.transport.name !== "websocket") {
      this.polling.add(socket.id);
      const onUpgrade = () => {
        this.polling.delete(socket.id);
        this.upgradeListeners.delete(socket.id);
        conn.removeListener("upgrade", onUpgrade);
      };
      this.upgradeListeners.set(socket.id, onUpgrade);
      conn.on("upgrade", onUpgrade);
    }
  }

  private untrack(id: SocketId, socket: TopicSocket | undefined): void {
    this.polling.delete(id);
    const onUpgrade = this.upgradeListeners.get(id);
    if (onUpgrade) {
      this.upgradeListeners.delete(id);
      socket?.conn.removeListener("upgrade", onUpgrade);
    }
  }

  /** Whether a socket is reached by a publish to a topic it subscribes to. */
  private onWebSocket(id: SocketId): boolean {
    if (!this.polling.has(id)) return true;
    const socket = this.localSocket(id);
    if (socket && socket.conn.transport.name === "websocket" && socket.conn.protocol !== 3) {
      // upgraded without us seeing the event yet: the engine applies topics on upgrade.
      this.untrack(id, socket);
      return true;
    }
    return false;
  }

  override broadcast(packet: any, opts: BroadcastOptions): void {
    const engine = this.engine;
    if (!engine?.supportsPublish || typeof engine.publish !== "function") {
      return super.broadcast(packet, opts);
    }
    if (opts.flags?.volatile) return this.broadcastVolatile(packet, opts);
    const writeOpts = this.writeOptions(opts);
    packet.nsp = this.nsp.name;
    // Encoded once (encodeOnce when the codec has it): the polling recipients get `encoded`,
    // the WebSocket subscribers the frames built from the same text and attachment Buffers.
    const encoded = encodeBroadcast(this.encoder, packet);
    const named = opts.rooms;
    // T: the topic we publish to, and its members. A derived topic holds exactly the
    // recipients (but single excluded sockets); else the namespace topic, or the largest
    // named room, and the other named rooms are written to below.
    const derived = this.derivedFor(named, opts.except);
    // A derived topic's members already leave out its excluded rooms: only excluded own-id
    // rooms are left to skip (not the members of every excluded room, once per broadcast).
    const except = this.computeExceptSids(derived === undefined ? opts.except : this.ownIdRooms(opts.except));
    let topicRoom: Room | undefined;
    let members: Set<SocketId> | Map<SocketId, Set<Room>> | undefined;
    let topic: string | undefined;
    if (derived !== undefined) {
      members = derived.members;
      topic = derived.topic;
    } else if (named.size === 0) {
      members = this.sids;
      topic = this.nspTopic;
    } else {
      for (const room of named) {
        const m = this.rooms.get(room);
        if (m && (!members || m.size > members.size)) {
          members = m;
          topicRoom = room;
        }
      }
      // own-id rooms have no topic
      if (topicRoom !== undefined && !this.sids.has(topicRoom)) topic = this.topicOf(topicRoom);
    }
    if (!members) return; // no named room has members

    const published =
      topic !== undefined &&
      members.size >= MIN_PUBLISH_MEMBERS &&
      this.publishable(engine, encoded) &&
      this.publishExcluding(topic, topic === this.nspTopic, members, except, encoded);

    const outgoing = this.nsp._outgoingListenerSockets as Set<AdapterSocket> | undefined;
    const write = (socket: AdapterSocket) => {
      if (outgoing?.has(socket)) socket.notifyOutgoingListeners?.(packet);
      socket.client.writeToEngine(encoded, writeOpts);
    };

    if (!published) {
      this.applyExcluding(named, derived === undefined ? except : this.computeExceptSids(opts.except), write);
      return;
    }
    debug("published %s to %s", packet.type, derived ? "<derived>" : (topicRoom ?? "<namespace>"));
    this.notePublished(members, except);
    // Sockets T reached through uWS still need their outgoing listeners.
    if (outgoing && outgoing.size) {
      for (const socket of outgoing) {
        if (members.has(socket.id) && !except.has(socket.id) && this.onWebSocket(socket.id)) {
          socket.notifyOutgoingListeners?.(packet);
        }
      }
    }
    const sockets: Map<SocketId, AdapterSocket> = this.nsp.sockets;
    // T's members that publish missed: the polling ones. Walk whichever set is smaller, so
    // a small room does not pay for every polling socket of the namespace.
    const pollingIds = this.polling.size <= members.size ? this.polling : members.keys();
    for (const id of pollingIds) {
      if (!this.polling.has(id) || !members.has(id) || except.has(id) || this.onWebSocket(id)) continue;
      const socket = sockets.get(id);
      if (socket) write(socket);
    }
    // Recipients outside T: members of the other named rooms, each once.
    if (named.size > 1 && derived === undefined) {
      const visited = new Set<SocketId>();
      for (const room of named) {
        if (room === topicRoom) continue;
        const m = this.rooms.get(room);
        if (!m) continue;
        for (const id of m) {
          if (members.has(id) || except.has(id) || visited.has(id)) continue;
          visited.add(id);
          const socket = sockets.get(id);
          if (socket) write(socket);
        }
      }
    }
  }

  /**
   * The derived topic of a broadcast naming several rooms or excluding a (non own-id) room,
   * once its shape repeats (derived-topics.ts); undefined otherwise. Excluded own-id rooms
   * (socket.to(...), except(socket.id)) stay out of the shape, so every sender of a shape
   * shares its topic: publishExcluding skips them.
   */
  private derivedFor(named: Set<Room>, exceptRooms: Set<Room> | undefined): DerivedTopic | undefined {
    const derived = this.derived;
    if (derived === undefined) return undefined;
    let shared: Room[] | undefined;
    if (exceptRooms !== undefined) {
      for (const room of exceptRooms) if (!this.sids.has(room)) (shared ??= []).push(room);
    }
    // One room or the whole namespace, nothing shared excluded: that topic already exists.
    if (named.size < 2 && shared === undefined) return undefined;
    return derived.use(named, shared ?? NO_ROOMS);
  }

  /** The own-id rooms (single sockets) among `rooms`; undefined when none. */
  private ownIdRooms(rooms: Set<Room> | undefined): Set<Room> | undefined {
    let own: Set<Room> | undefined;
    if (rooms !== undefined) for (const room of rooms) if (this.sids.has(room)) (own ??= new Set()).add(room);
    return own;
  }

  /**
   * Publishes `frames` to T's WebSocket subscribers minus `except` (cases 1-3 of the header).
   * Returns false in case 4: the caller then writes to every recipient individually.
   */
  private publishExcluding(
    topic: string,
    isNamespaceTopic: boolean,
    members: Set<SocketId> | Map<SocketId, Set<Room>>,
    except: Set<SocketId>,
    encoded: Array<string | Buffer>,
  ): boolean {
    const excluded: TopicSocket[] = [];
    const maxExcluded = members.size * MAX_EXCLUDED_FRACTION;
    for (const id of except) {
      if (!members.has(id) || !this.onWebSocket(id)) continue;
      const socket = this.localSocket(id);
      if (socket) excluded.push(socket);
      // Case 4 already: stop walking the excluded (they may be most of the namespace).
      if (excluded.length > maxExcluded) return false;
    }
    if (excluded.length === 0) return this.publish(topic, toFrames(encoded));
    if (excluded.length === 1 && excluded[0].conn.publishFromSelf) {
      debug("publish to %s from the excluded socket %s", topic, excluded[0].id);
      const conn = excluded[0].conn;
      this.countDeliveries(topic, 1);
      for (const frame of toFrames(encoded)) conn.publishFromSelf!(topic, frame.data, frame.isBinary);
      return true;
    }
    // Case 3 needs each excluded socket anchored by another topic while it is off T (see
    // header); off a room topic the namespace topic anchors it, off the namespace topic a
    // room topic must.
    const anchored = !isNamespaceTopic || excluded.every((socket) => this.hasRoomTopic(socket.id));
    if (anchored) {
      debug("publish to %s with %d sockets unsubscribed meanwhile", topic, excluded.length);
      for (const socket of excluded) socket.conn.unsubscribe!(topic);
      this.publish(topic, toFrames(encoded));
      for (const socket of excluded) socket.conn.subscribe!(topic);
      return true;
    }
    // Case 4: one write per recipient (by the caller).
    debug("%d of %d excluded: writing to each recipient", excluded.length, members.size);
    return false;
  }

  /** Volatile broadcasts: one write per recipient, skipping those a publish reached this tick. */
  private broadcastVolatile(packet: any, opts: BroadcastOptions): void {
    if (this.publishedThisTick === undefined) return super.broadcast(packet, opts);
    const writeOpts = this.writeOptions(opts);
    packet.nsp = this.nsp.name;
    const encoded = encodeBroadcast(this.encoder, packet);
    this.apply(opts, (socket) => {
      socket.notifyOutgoingListeners?.(packet);
      if (!this.publishedTo(socket.id)) socket.client.writeToEngine(encoded, writeOpts);
    });
  }

  private notePublished(members: Set<SocketId> | Map<SocketId, Set<Room>>, except: Set<SocketId>): void {
    let list = this.publishedThisTick;
    if (list === undefined) {
      list = this.publishedThisTick = [];
      queueMicrotask(() => (this.publishedThisTick = undefined));
    }
    list.push({ members, except });
  }

  /**
   * Whether a publish of this tick reached socket `id` (then it has a write in flight and
   * a volatile packet to it is dropped, as upstream would).
   */
  publishedTo(id: SocketId): boolean {
    const list = this.publishedThisTick;
    if (list === undefined) return false;
    for (const p of list) if (p.members.has(id) && !p.except.has(id) && this.onWebSocket(id)) return true;
    return false;
  }

  /** Whether uWS may carry this broadcast without closing a reader that drains (header). */
  private publishable(engine: EngineServer, encoded: Array<string | Buffer>): boolean {
    if (uwsSocketsOverBudget() !== 0) return false;
    const cap = engine.opts?.maxBufferedBytes;
    if (cap === undefined) return true;
    let bytes = 0;
    for (let i = 0; i < encoded.length; i++) {
      const chunk = encoded[i] as string | Buffer | ArrayBuffer;
      bytes += typeof chunk === "string" ? chunk.length : chunk.byteLength;
    }
    return bytes <= cap / 2;
  }

  /** Whether a socket subscribes to a room topic besides the namespace topic. */
  private hasRoomTopic(id: SocketId): boolean {
    const joined = this.sids.get(id);
    if (!joined) return false;
    for (const room of joined) if (room !== id) return true;
    return false;
  }

  /** Metrics: the subscribers of `topic` but `excluded` got this broadcast's packet. */
  private countDeliveries(topic: string, excluded: number): void {
    const reached = (this.engine!.subscriberCount?.(topic) ?? 0) - excluded;
    if (reached > 0) this.nsp.server._counters.deliveries += reached;
  }

  private publish(topic: string, frames: Frame[]): boolean {
    const engine = this.engine!;
    this.countDeliveries(topic, 0);
    for (const frame of frames) {
      // false means uWS had no subscriber or refused: nobody on WebSocket got it, and the
      // polling recipients are written separately, so nothing is lost silently here.
      engine.publish!(topic, frame.data, frame.isBinary);
    }
    return true;
  }
}

/**
 * Engine.IO WebSocket frames of an encoded Socket.IO packet: the text gets the "4" message
 * prefix (one concatenation per broadcast), binary chunks go as they are (a codec without
 * encodeOnce may hand ArrayBuffers or typed arrays: viewed as Buffers, never copied).
 */
function toFrames(encoded: Array<string | Buffer | ArrayBuffer | ArrayBufferView>): Frame[] {
  const frames = new Array<Frame>(encoded.length);
  for (let i = 0; i < encoded.length; i++) {
    const chunk = encoded[i];
    if (typeof chunk === "string") frames[i] = { data: "4" + chunk, isBinary: false };
    else if (Buffer.isBuffer(chunk)) frames[i] = { data: chunk, isBinary: true };
    else if (chunk instanceof ArrayBuffer) frames[i] = { data: Buffer.from(chunk), isBinary: true };
    else frames[i] = { data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), isBinary: true };
  }
  return frames;
}

/**
 * UwsAdapter with connection state recovery (offsets appended, sessions persisted), used on
 * the uWS backend when `connectionStateRecovery` is set.
 */
export class SessionAwareUwsAdapter extends withSessionRecovery(UwsAdapter) {}
