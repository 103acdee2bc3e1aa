// Memory for connection state recovery: sessions of recently disconnected sockets, and the
// broadcast packets of the last `maxDisconnectionDuration` ms so that a client coming back
// with its last offset gets what it missed.
//
// Bounded in time: an unref'd timer drops sessions and packets older than the window, and
// `restoreSession` refuses expired ones. Packets are kept in emission order with a
// monotonically increasing sequence number, so "everything after offset X" is a slice.
import { randomBytes } from "node:crypto";
import type { BroadcastOptions, PrivateSessionId, Room, Session, SessionToPersist } from "./types";

interface StoredPacket {
  offset: string;
  seq: number;
  opts: BroadcastOptions;
  data: unknown[];
  emittedAt: number;
}

/** How often expired sessions and packets are dropped. */
const SWEEP_INTERVAL_MS = 60_000;


/** Prefix making offsets from different processes distinct (a restarted server has none). */
const PROCESS_TAG = randomBytes(4).toString("base64url");

/**
 * Session and packet memory shared by the session-aware adapters (in-memory and uWS).
 *
 * @example
 * const store = new SessionStore(120_000);
 * const offset = store.recordBroadcast(packet, opts); // appended to packet.data by the caller
 */
export class SessionStore {
  private readonly sessions = new Map<PrivateSessionId, SessionToPersist & { disconnectedAt: number }>();
  private packets: StoredPacket[] = [];
  private readonly seqByOffset = new Map<string, number>();
  private nextSeq = 0;
  /** The sweep; stopped by close() and armed again by the next write (a restarted server). */
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param maxStoredPackets most broadcasts kept, whatever the window (the option
   *   `connectionStateRecovery.maxStoredPackets`): past it the oldest tenth is dropped, and a
   *   client whose offset was dropped gets a fresh session, as after an expired one. Upstream
   *   has no such cap, so none is the default: memory is then the window x the broadcast rate.
   */
  constructor(
    private readonly maxDisconnectionDuration: number,
    private readonly maxStoredPackets = Infinity,
  ) {
    this.arm();
  }

  private arm(): void {
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Whether a broadcast is replayable: plain events only. Packets with an ack id are not
   * stored because the ack callback cannot be restored; volatile ones may be lost anyway.
   */
  static isRecordable(packet: any, opts: BroadcastOptions): boolean {
    return packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined;
  }

  /** Stores a broadcast and returns its offset (which the caller appends to the packet data). */
  record(data: unknown[], opts: BroadcastOptions): string {
    if (this.timer === undefined) this.arm();
    if (this.packets.length >= this.maxStoredPackets) this.dropOldest(Math.ceil(this.maxStoredPackets / 10));
    const seq = this.nextSeq++;
    const offset = PROCESS_TAG + seq.toString(36);
    this.packets.push({ offset, seq, opts, data, emittedAt: Date.now() });
    this.seqByOffset.set(offset, seq);
    return offset;
  }

  persist(session: SessionToPersist): void {
    if (this.timer === undefined) this.arm();
    this.sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
  }

  restore(pid: PrivateSessionId, offset: string): Session | null {
    const session = this.sessions.get(pid);
    if (!session) return null;
    // A session is restored at most once.
    this.sessions.delete(pid);
    if (session.disconnectedAt + this.maxDisconnectionDuration < Date.now()) return null;
    const seq = this.seqByOffset.get(offset);
    if (seq === undefined) return null; // unknown or expired offset: cannot know what was missed
    const first = this.packets.length ? this.packets[0].seq : this.nextSeq;
    const missedPackets: unknown[][] = [];
    for (let i = seq - first + 1; i < this.packets.length; i++) {
      const packet = this.packets[i];
      if (matches(session.rooms, packet.opts)) missedPackets.push(packet.data);
    }
    const { disconnectedAt: _ignored, ...persisted } = session;
    return { ...persisted, missedPackets };
  }

  /**
   * Stops the sweep (io.close()). What is stored stays, as upstream's adapter keeps it, so
   * a server that listens again still restores sessions; its next write re-arms the sweep.
   */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const threshold = Date.now() - this.maxDisconnectionDuration;
    for (const [pid, session] of this.sessions) {
      if (session.disconnectedAt < threshold) this.sessions.delete(pid);
    }
    let drop = 0;
    while (drop < this.packets.length && this.packets[drop].emittedAt < threshold) drop++;
    this.dropOldest(drop);
  }

  private dropOldest(count: number): void {
    if (count <= 0) return;
    for (let i = 0; i < count && i < this.packets.length; i++) this.seqByOffset.delete(this.packets[i].offset);
    this.packets = this.packets.slice(count);
  }
}

/** Whether a socket that was in `rooms` would have received a broadcast with `opts`. */
function matches(rooms: Room[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || rooms.some((room) => opts.rooms.has(room));
  const excluded = opts.except ? rooms.some((room) => opts.except!.has(room)) : false;
  return included && !excluded;
}
