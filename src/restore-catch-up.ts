// Connection state recovery through a cluster adapter built on socket.io-adapter's
// ClusterAdapter (@socket.io/redis-streams-adapter, the MongoDB adapter) has two races, and
// upstream socket.io has them too (docs/SOAK.md, "Recovery through the Redis streams adapter"):
//
//  1. Lost. The adapter's `restoreSession` reads the history after the client's offset until a
//     read comes back empty. A broadcast this node applies after that read and before the
//     recovered socket is connected reaches nobody: while the restore is in flight the socket
//     does not exist; once it exists it waits in middleware, in its rooms but not yet in
//     `nsp.sockets`, which is where the adapter looks.
//  2. Duplicated. This node's live reader of the history can lag the restore's own read, and
//     later applies, to the now connected socket, a broadcast the restore already replayed.
//
// RestoreCatchUp closes both for one namespace without changing the adapter. It watches what
// the adapter applies through the adapter's own `_encode` and `apply` (every local delivery of
// socket.io-adapter's `broadcast` calls both, in that order), and:
//  - keeps the recoverable broadcasts applied while a restore is in flight, and appends to the
//    restored session those newer than what the restore replayed and meant for its rooms;
//  - delivers to a recovered socket waiting in middleware what the adapter applies meanwhile;
//  - skips, for a recovered socket, a broadcast at or below the newest offset its restore
//    covered (the client has it already, from before or from the replay).
//
// Offsets must be ordered to do this. Two forms are known and compared: Redis stream ids
// ("<ms>-<seq>") and 24-digit hex ObjectIds; with any other form nothing changes.
import type { AdapterLike, AdapterSocket, BroadcastOptions, Room, Session, SocketId } from "./adapter/types";

/** A recoverable broadcast as applied on this node. */
interface Applied {
  offset: string;
  data: unknown[];
  rooms: Room[];
  except: Room[];
  at: number;
}

/** One restore in flight: where in the log it started, and whether that part was trimmed. */
export interface RestoreWatch {
  start: number;
  done: boolean;
}

/** Socket.IO EVENT and BINARY_EVENT: the packet types a cluster adapter stores for recovery. */
const EVENT = 2;
const BINARY_EVENT = 5;

const STREAM_ID = /^(\d+)-(\d+)$/;
const OBJECT_ID = /^[0-9a-f]{24}$/;

/** Negative, zero or positive as `a` is older, the same or newer than `b`; NaN when they do not compare. */
export function compareOffsets(a: string, b: string): number {
  const sa = STREAM_ID.exec(a);
  if (sa) {
    const sb = STREAM_ID.exec(b);
    if (!sb) return NaN;
    return Number(sa[1]) - Number(sb[1]) || Number(sa[2]) - Number(sb[2]);
  }
  if (OBJECT_ID.test(a) && OBJECT_ID.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return NaN;
}

function isOffset(value: unknown): value is string {
  return typeof value === "string" && (STREAM_ID.test(value) || OBJECT_ID.test(value));
}

/** Whether a broadcast to `rooms` except `except` reaches a socket in `socketRooms` (empty rooms: everyone). */
function reaches(rooms: Iterable<Room>, except: Iterable<Room>, socketRooms: ReadonlySet<Room>): boolean {
  for (const room of except) if (socketRooms.has(room)) return false;
  let any = false;
  for (const room of rooms) {
    if (socketRooms.has(room)) return true;
    any = true;
  }
  return !any;
}

export class RestoreCatchUp {
  /** Recoverable broadcasts applied since the oldest restore in flight began; `log[0]` is number `base`. */
  private log: Applied[] = [];
  private base = 0;
  /** Restores in flight, oldest first. */
  private watches: RestoreWatch[] = [];
  /** Per recovered socket, the newest offset its client has; until when that is checked. */
  private covered = new Map<SocketId, { upTo: string; until: number }>();
  /** Recovered sockets not yet connected (the adapter does not see them); the namespace untracks them. */
  private waiting = new Map<SocketId, AdapterSocket>();
  /** The packet of the broadcast being applied, between `_encode` and `apply`. */
  private encoding: { data?: unknown[]; type?: number; id?: number } | undefined;

  /**
   * Installs the catch-up on `adapter` when it is a socket.io-adapter (it has `_encode` and
   * `apply`) and not one of hyperio's own (whose restore cannot race: see namespace.ts).
   */
  static attach(adapter: AdapterLike, windowMs: number, maxKept: number): RestoreCatchUp | undefined {
    const a = adapter as any;
    if (typeof a._encode !== "function" || typeof a.apply !== "function") return undefined;
    const catchUp = new RestoreCatchUp(adapter, windowMs, maxKept);
    const encode = a._encode;
    const apply = a.apply;
    a._encode = function (this: unknown, packet: any, opts: unknown) {
      catchUp.encoding = packet;
      return encode.call(this, packet, opts);
    };
    a.apply = function (this: unknown, opts: BroadcastOptions, fn: (socket: AdapterSocket) => void) {
      const packet = catchUp.encoding;
      catchUp.encoding = undefined;
      const data = packet?.data;
      const offset = data && (packet.type === EVENT || packet.type === BINARY_EVENT) && packet.id === undefined ? data[data.length - 1] : undefined;
      if (!data || !isOffset(offset)) return apply.call(this, opts, fn);
      return catchUp.applyRecoverable(this, apply, opts, fn, data, offset);
    };
    return catchUp;
  }

  private constructor(
    private readonly adapter: AdapterLike,
    private readonly windowMs: number,
    private readonly maxKept: number,
  ) {}

  /** Starts watching for one restore; call `end` whatever its outcome. */
  watch(): RestoreWatch {
    const w = { start: this.base + this.log.length, done: false };
    this.watches.push(w);
    return w;
  }

  /**
   * Completes a restore that found its session: appends to `session.missedPackets` the
   * broadcasts applied during the restore that are newer than what it replayed and reach the
   * session's rooms, and remembers what the client now has. False when part of the log this
   * restore needs was trimmed (the caller then refuses the recovery, as for a trimmed history).
   * Synchronous with the creation of the recovered socket (then `track`), so nothing applied
   * in between escapes both.
   */
  complete(w: RestoreWatch, session: Session, clientOffset: string): boolean {
    if (w.start < this.base) return false;
    let upTo = clientOffset;
    const last = session.missedPackets[session.missedPackets.length - 1];
    const lastOffset = last?.[last.length - 1];
    if (typeof lastOffset === "string" && compareOffsets(lastOffset, upTo) > 0) upTo = lastOffset;
    if (!isOffset(upTo)) return true;
    const rooms = new Set(session.rooms);
    const newer: Applied[] = [];
    for (let i = w.start - this.base; i < this.log.length; i++) {
      const entry = this.log[i];
      if (compareOffsets(entry.offset, upTo) > 0 && reaches(entry.rooms, entry.except, rooms)) newer.push(entry);
    }
    newer.sort((x, y) => compareOffsets(x.offset, y.offset));
    for (const entry of newer) session.missedPackets.push(entry.data);
    this.covered.delete(session.sid);
    this.covered.set(session.sid, { upTo, until: Date.now() + this.windowMs });
    return true;
  }

  /** The recovered socket, until it is connected: it gets what the adapter applies meanwhile. */
  track(socket: AdapterSocket): void {
    this.waiting.set(socket.id, socket);
  }

  /** The socket is connected, or gone before that. */
  untrack(id: SocketId): void {
    this.waiting.delete(id);
  }

  /** The restore is over (found, not found or failed). */
  end(w: RestoreWatch): void {
    w.done = true;
    while (this.watches.length > 0 && this.watches[0].done) this.watches.shift();
    if (this.watches.length === 0) {
      this.base += this.log.length;
      this.log = [];
    } else {
      this.trimBefore(this.watches[0].start);
    }
  }

  private applyRecoverable(
    adapter: unknown,
    apply: (opts: BroadcastOptions, fn: (socket: AdapterSocket) => void) => void,
    opts: BroadcastOptions,
    fn: (socket: AdapterSocket) => void,
    data: unknown[],
    offset: string,
  ): void {
    if (this.watches.length > 0) this.keep({ offset, data, rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [], at: Date.now() });
    let deliver = fn;
    if (this.covered.size > 0) {
      this.expire(Date.now());
      const covered = this.covered;
      deliver = (socket) => {
        const c = covered.get(socket.id);
        if (c === undefined || !(compareOffsets(offset, c.upTo) <= 0)) fn(socket);
      };
    }
    apply.call(adapter, opts, deliver);
    if (this.waiting.size === 0) return;
    for (const [id, socket] of this.waiting) {
      const rooms = this.adapter.socketRooms(id);
      if (rooms && reaches(opts.rooms, opts.except ?? [], rooms)) deliver(socket);
    }
  }

  private keep(entry: Applied): void {
    this.log.push(entry);
    // Bounded like the recovery window itself: by age, and by count when maxStoredPackets is set.
    let drop = 0;
    while (drop < this.log.length && (this.log.length - drop > this.maxKept || entry.at - this.log[drop].at > this.windowMs)) drop++;
    if (drop > 0) this.trimBefore(this.base + drop);
  }

  private trimBefore(index: number): void {
    const n = index - this.base;
    if (n <= 0) return;
    this.log.splice(0, n);
    this.base = index;
  }

  private expire(now: number): void {
    for (const [id, c] of this.covered) {
      if (c.until > now) break;
      this.covered.delete(id);
    }
  }
}
