// Derived topics: one uWS topic per broadcast shape that repeats, so a broadcast naming several
// rooms or excluding rooms is one `publish` instead of one write per recipient.
//
// A shape is (rooms R, excluded rooms E) of one namespace; its members are the sockets in any
// room of R (every socket of the namespace when R is empty) and in no room of E. A shape
// becomes a derived topic on its `after`-th broadcast (cold shapes cost one key and one count
// each); from then on its membership is kept up to date on every join, leave and removal
// (addAll / del / delAll of the adapter, the only ways rooms change: socketsJoin,
// socketsLeave, disconnectSockets and disconnections all end there), so the topic's
// subscribers are exactly the shape's members at every publish.
//
// Invariants:
//   - d.members = { s : s reachable (the host subscribed it), s ∈ ∪R (or any socket when R is
//     empty), s ∉ ∪E }, after every adapter call returns;
//   - each member is subscribed to d.topic through its engine socket, which keeps the topic
//     across an upgrade from polling (a polling member is written to by the adapter, as for
//     room topics);
//   - at most `max` derived topics per namespace: deriving one more evicts the least recently
//     used, unsubscribing its members, so the subscriptions they cost are bounded by
//     max × sockets of the namespace. A cold shape evicts it only when used more often lately
//     (use counts, halved periodically): evicting and deriving cost ~6 µs per member
//     (docs/PERFORMANCE.md), so shapes taking turns past `max` must not evict each other;
//   - the counts of cold shapes are bounded too (COLD_SHAPES_LIMIT): past it they are
//     forgotten, which only delays deriving.
//
// Measured costs and the defaults' reasons: docs/PERFORMANCE.md, "Multi-room broadcasts".
import type { Room, SocketId } from "./types";

/** The `derivedTopics` server option: at most `max` per namespace, derived on the `after`-th use. */
export interface DerivedTopicsOptions {
  /** Derived topics per namespace (least recently used evicted past it). @default 8 */
  max?: number;
  /** Broadcasts of one shape before it gets a derived topic. @default 2 */
  after?: number;
}

export const DEFAULT_DERIVED_TOPICS: Required<DerivedTopicsOptions> = { max: 8, after: 2 };

/** Cold shapes counted at most; past it the counts restart (bounded memory, a delay at worst). */
const COLD_SHAPES_LIMIT = 1024;

/** Use counts are halved every DECAY_PERIOD × max derived-shape lookups (recent use weighs most). */
const DECAY_PERIOD = 64;

/** What is wrong with a `derivedTopics` option value (for the server's validation), if anything. */
export function derivedTopicsProblem(value: unknown): { option: string; expected: string; value: unknown } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === null || typeof value !== "object") return { option: "derivedTopics", expected: "an object or false", value };
  const { max, after } = value as DerivedTopicsOptions;
  if (max !== undefined && !(Number.isInteger(max) && max >= 0)) return { option: "derivedTopics.max", expected: "an integer >= 0", value: max };
  if (after !== undefined && !(Number.isInteger(after) && after >= 1)) return { option: "derivedTopics.after", expected: "an integer >= 1", value: after };
  return undefined;
}

/** The `derivedTopics` option (validated by the server) resolved: false when off. */
export function resolveDerivedTopicsOption(value: DerivedTopicsOptions | false | undefined): Required<DerivedTopicsOptions> | false {
  if (value === undefined) return DEFAULT_DERIVED_TOPICS;
  if (value === false || derivedTopicsProblem(value) !== undefined) return false;
  const max = value.max ?? DEFAULT_DERIVED_TOPICS.max;
  return max === 0 ? false : { max, after: value.after ?? DEFAULT_DERIVED_TOPICS.after };
}

/** What the derived topics need from their adapter. */
export interface DerivedTopicsHost {
  readonly rooms: Map<Room, Set<SocketId>>;
  readonly sids: Map<SocketId, Set<Room>>;
  /** Subscribes socket `id` to `topic`; false when the socket cannot be reached (not local, closed). */
  subscribe(id: SocketId, topic: string): boolean;
  unsubscribe(id: SocketId, topic: string): void;
}

/** One derived topic. */
export interface DerivedTopic {
  /** The shape's key (shapeKey). */
  readonly key: string;
  readonly topic: string;
  readonly rooms: readonly Room[];
  readonly except: readonly Room[];
  /** The sockets subscribed to `topic`: the shape's members (see the invariants). */
  readonly members: Set<SocketId>;
  lastUse: number;
  /** Broadcasts of this shape lately (halved every DECAY_PERIOD × max broadcasts). */
  uses: number;
}

/** The derived topics of one namespace. */
export class DerivedTopics {
  private readonly byKey = new Map<string, DerivedTopic>();
  /** Derived topics whose shape names a room, by that room (target or excluded). */
  private readonly byRoom = new Map<Room, DerivedTopic[]>();
  /** Derived topics of namespace-wide shapes (R empty): every new socket may be a member. */
  private readonly wholeNamespace: DerivedTopic[] = [];
  private readonly coldUses = new Map<string, number>();
  private clock = 0;
  /** Evictions so far (for tests and diagnostics). */
  evictions = 0;
  private nextId = 0;

  constructor(
    private readonly host: DerivedTopicsHost,
    /** Prefix of every topic name, unique to the namespace. */
    private readonly topicPrefix: string,
    private readonly opts: Required<DerivedTopicsOptions>,
  ) {}

  /** Number of derived topics (for tests and diagnostics). */
  get size(): number {
    return this.byKey.size;
  }

  /** Subscriptions held by derived topics, summed over them (for tests and diagnostics). */
  get subscriptions(): number {
    let n = 0;
    for (const d of this.byKey.values()) n += d.members.size;
    return n;
  }

  /**
   * The derived topic of shape (rooms, except), counting this use; undefined while the shape
   * is cold. `except` must not hold own-id rooms (the caller excludes single sockets itself).
   */
  use(rooms: ReadonlySet<Room>, except: readonly Room[]): DerivedTopic | undefined {
    const key = shapeKey(rooms, except);
    if (key === undefined) return undefined;
    if (++this.clock % (DECAY_PERIOD * this.opts.max) === 0) this.decay();
    let d = this.byKey.get(key);
    if (d === undefined) {
      const uses = (this.coldUses.get(key) ?? 0) + 1;
      // Full: the least recently used topic gives way only to a shape used more often
      // lately, so shapes taking turns past `max` do not evict each other on every use.
      const victim = this.byKey.size >= this.opts.max ? this.leastRecentlyUsed() : undefined;
      if (uses < this.opts.after || (victim !== undefined && uses <= victim.uses)) {
        if (this.coldUses.size >= COLD_SHAPES_LIMIT) this.coldUses.clear();
        this.coldUses.set(key, uses);
        return undefined;
      }
      this.coldUses.delete(key);
      if (victim !== undefined) this.evict(victim);
      d = this.derive(key, [...rooms], except.slice());
      d.uses = uses;
    } else {
      d.uses++;
    }
    d.lastUse = this.clock;
    return d;
  }

  private leastRecentlyUsed(): DerivedTopic | undefined {
    let lru: DerivedTopic | undefined;
    for (const d of this.byKey.values()) if (lru === undefined || d.lastUse < lru.lastUse) lru = d;
    return lru;
  }

  /** Halves every use count, so counts say how often a shape was used lately. */
  private decay(): void {
    for (const d of this.byKey.values()) d.uses >>>= 1;
    for (const [key, uses] of this.coldUses) {
      if (uses > 1) this.coldUses.set(key, uses >>> 1);
      else this.coldUses.delete(key);
    }
  }

  /** After `id` joined `added` (`isNew`: its first rooms in this namespace). */
  joined(id: SocketId, added: readonly Room[], isNew: boolean): void {
    if (this.byKey.size === 0) return;
    if (isNew) for (const d of this.wholeNamespace) this.update(d, id);
    for (const room of added) {
      const list = this.byRoom.get(room);
      if (list !== undefined) for (const d of list) this.update(d, id);
    }
  }

  /** After `id` left `room`. */
  left(id: SocketId, room: Room): void {
    const list = this.byRoom.get(room);
    if (list !== undefined) for (const d of list) this.update(d, id);
  }

  /** Before `id` leaves the namespace: it leaves every derived topic (unsubscribed). */
  removed(id: SocketId): void {
    for (const d of this.byKey.values()) {
      if (d.members.delete(id)) this.host.unsubscribe(id, d.topic);
    }
  }

  /** Drops every derived topic, unsubscribing its members. */
  clear(): void {
    for (const d of [...this.byKey.values()]) this.evict(d);
    this.coldUses.clear();
  }

  private derive(key: string, rooms: Room[], except: Room[]): DerivedTopic {
    const d: DerivedTopic = { key, topic: this.topicPrefix + String(this.nextId++), rooms, except, members: new Set(), lastUse: 0, uses: 0 };
    this.byKey.set(key, d);
    for (const room of rooms) this.index(room, d);
    for (const room of except) this.index(room, d);
    if (rooms.length === 0) this.wholeNamespace.push(d);
    // Initial members: walk the target rooms (or every socket) once.
    if (rooms.length === 0) {
      for (const id of this.host.sids.keys()) this.update(d, id);
    } else {
      for (const room of rooms) {
        const ids = this.host.rooms.get(room);
        if (ids !== undefined) for (const id of ids) if (!d.members.has(id)) this.update(d, id);
      }
    }
    return d;
  }

  private evict(d: DerivedTopic): void {
    this.evictions++;
    // The member set is left as it is: a publish of this tick may still refer to it (the
    // adapter's volatile bookkeeping); it goes with the last reference.
    for (const id of d.members) this.host.unsubscribe(id, d.topic);
    this.byKey.delete(d.key);
    for (const room of d.rooms) this.unindex(room, d);
    for (const room of d.except) this.unindex(room, d);
    const i = this.wholeNamespace.indexOf(d);
    if (i >= 0) this.wholeNamespace.splice(i, 1);
  }

  private index(room: Room, d: DerivedTopic): void {
    const list = this.byRoom.get(room);
    if (list === undefined) this.byRoom.set(room, [d]);
    else if (!list.includes(d)) list.push(d);
  }

  private unindex(room: Room, d: DerivedTopic): void {
    const list = this.byRoom.get(room);
    if (list === undefined) return;
    const i = list.indexOf(d);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byRoom.delete(room);
  }

  /** Makes `id`'s membership of `d` match the shape (subscribing or unsubscribing it). */
  private update(d: DerivedTopic, id: SocketId): void {
    const belongs = this.belongs(d, id);
    if (belongs === d.members.has(id)) return;
    if (belongs) {
      if (this.host.subscribe(id, d.topic)) d.members.add(id);
    } else {
      d.members.delete(id);
      this.host.unsubscribe(id, d.topic);
    }
  }

  private belongs(d: DerivedTopic, id: SocketId): boolean {
    const joined = this.host.sids.get(id);
    if (joined === undefined) return false;
    let inTarget = d.rooms.length === 0;
    for (let i = 0; !inTarget && i < d.rooms.length; i++) inTarget = joined.has(d.rooms[i]);
    if (!inTarget) return false;
    for (let i = 0; i < d.except.length; i++) if (joined.has(d.except[i])) return false;
    return true;
  }
}

/**
 * A key naming a shape whatever the order its rooms were given in, injective (each name is
 * length-prefixed, so no room name can forge a separator); undefined for a non-string room.
 */
function shapeKey(rooms: ReadonlySet<Room>, except: readonly Room[]): string | undefined {
  const r: string[] = [];
  for (const room of rooms) {
    if (typeof room !== "string") return undefined;
    r.push(room);
  }
  for (const room of except) if (typeof room !== "string") return undefined;
  if (r.length > 1) r.sort();
  const e = except.length > 1 ? except.slice().sort() : except;
  let key = "";
  for (const room of r) key += room.length + ":" + room;
  key += "|";
  for (const room of e) key += room.length + ":" + room;
  return key;
}
