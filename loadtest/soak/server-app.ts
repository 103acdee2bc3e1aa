// The soak's server-side application, the same code on hyperio and on upstream socket.io:
// rooms joined by the server on connection, a self-driven traffic mix (broadcasts, per-socket
// emits with and without acks, volatile emits, a bulk stream to the readers that stop
// reading), the check of client emits, and one sample a second of what an operator watches.
//
// Typed structurally (`any` at the edges) so hyperio and upstream fit without either package
// depending on the other, as loadtest/servers/sio-app.ts.
import { readdirSync } from "node:fs";
import { stampUs } from "../lib/clock";
import { LoopLag } from "./loop-lag";
import { BROADCASTS, CHURN_NSP, EV, KICK_ROOMS, SLOW_ROOM, isSlowReader, roomsOf, type Hello } from "./wire";

export interface TrafficOptions {
  node: number;
  /** Broadcasts per second (this node). */
  broadcastsPerSec: number;
  /** Each client gets a per-socket emit ("d") this often, ms; 0: never. */
  directEveryMs: number;
  /** Each client gets a per-socket emit with ack ("a") this often, ms; 0: never. */
  ackEveryMs: number;
  /** Volatile broadcasts per second to room r3. */
  volatilePerSec: number;
  /** Bulk message size for the slow readers' room, bytes (0: none), sent 5 times a second. */
  slowBytes: number;
  /** In a cluster a client moving to this node arrives mid-stream: its first emit sets the baseline. */
  cluster: boolean;
}

export interface ClientEmitTally {
  accepted: number;
  retries: number;
  duplicated: number;
  outOfOrder: number;
  lost: number;
}

export interface ServerSample {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  fds: number;
  connWebsocket: number;
  connPolling: number;
  sockets: number;
  nsps: number;
  emitted: { b: number; d: number; a: number; v: number; s: number };
  acksIn: number;
  clientEmits: ClientEmitTally;
  /** Largest outgoing buffer among the slow readers now (bytes), and how many are open. */
  slowMaxBuffered: number;
  slowOpen: number;
  /** Slow readers whose reconnect was recovered (what they missed is replayed at once). */
  slowRecovered: number;
  /**
   * CONNECTs that asked for recovery (pid and offset) and were not recovered: while another
   * socket of the same client was still connected here (the server had not seen the cut
   * yet, so nothing was kept), or otherwise (session expired, never kept, or lost).
   */
  recoveryMissOldAlive: number;
  recoveryMissOther: number;
  recoveryHit: number;
  /**
   * What connection state recovery holds now on "/": stored packets and sessions of
   * disconnected sockets (-1: not known, or recovery off). Bounded by the window; the
   * cycles wait for it to empty before their baseline and final readings.
   */
  recoveryKeptPackets: number;
  recoveryKeptSessions: number;
  /** Socket disconnect reasons so far (slow readers apart). */
  closes: Record<string, number>;
  slowCloses: Record<string, number>;
  /** Event-loop delay since the last sample (loop-lag.ts): p99 and largest, ms. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** The same since the traffic started. */
  eventLoopRunP99Ms: number;
  eventLoopRunMaxMs: number;
  /** How long the driver waited for this sample, ms (IPC, the loop's backlog, the sample; set by the driver). */
  sampleMs?: number;
  /** io.metrics() when the server has it (hyperio). */
  metrics?: Record<string, number>;
}

const TICK_MS = 100;

export class SoakApp {
  private bSeq = 0;
  private counters = new Map<number, { d: number; a: number; c: number; cSkipped?: Set<number> }>();
  /**
   * The socket each client has now. A client that reconnects without recovery gets a new
   * socket while its old one may live on until its heartbeat fails (a polling session whose
   * requests were cut: the server cannot tell); per-socket emits go to the current socket
   * only, as an app that keeps one socket per user does, so a stream has one writer.
   */
  private current = new Map<number, string>();
  private emitted = { b: 0, d: 0, a: 0, v: 0, s: 0 };
  private acksIn = 0;
  private clientEmits: ClientEmitTally = { accepted: 0, retries: 0, duplicated: 0, outOfOrder: 0, lost: 0 };
  private closes: Record<string, number> = {};
  private recovery = { hit: 0, missOldAlive: 0, missOther: 0 };
  private slowCloses: Record<string, number> = {};
  private slowRecovered = 0;
  private timer: NodeJS.Timeout | undefined;
  private tickNo = 0;
  private bulk: string;
  private loopLag = new LoopLag().start();

  constructor(
    private readonly io: any,
    private readonly o: TrafficOptions,
  ) {
    this.bulk = "x".repeat(o.slowBytes);
    io.on("connection", (socket: any) => this.onConnection(socket));
    // Namespace churn: clients join and leave these; each is removed when its last socket leaves.
    io.of(CHURN_NSP).on("connection", (socket: any) => socket.join("c"));
  }

  private countersOf(idx: number) {
    let c = this.counters.get(idx);
    if (!c) this.counters.set(idx, (c = { d: 0, a: 0, c: -1 }));
    return c;
  }

  private onConnection(socket: any): void {
    const idx = Number(socket.handshake.auth?.idx);
    if (!Number.isInteger(idx) || idx < 0) return void socket.disconnect(true);
    socket.data.idx = idx;
    const slow = isSlowReader(idx);
    socket.on("disconnect", (reason: string) => {
      const into = slow ? this.slowCloses : this.closes;
      into[reason] = (into[reason] ?? 0) + 1;
    });
    socket.on(EV.c, (seq: number, retry: number, ack?: () => void) => {
      this.onClientEmit(idx, seq, retry === 1);
      if (typeof ack === "function") ack();
    });
    const auth = socket.handshake.auth ?? {};
    if (typeof auth.pid === "string" && typeof auth.offset === "string") {
      if (socket.recovered) this.recovery.hit++;
      else if (this.io.of("/").sockets.get(this.current.get(idx))?.connected) this.recovery.missOldAlive++;
      else this.recovery.missOther++;
    }
    this.current.set(idx, socket.id);
    if (socket.recovered && slow) this.slowRecovered++;
    if (socket.recovered) return; // rooms and data came back with the session
    socket.join(roomsOf(idx));
    const c = this.countersOf(idx);
    const hello: Hello = { node: this.o.node, b: this.bSeq, d: c.d, a: c.a };
    socket.emit(EV.hello, hello);
  }

  /** Client emits: in order, each once; a retry of one already received is expected after a cut. */
  private onClientEmit(idx: number, seq: number, retry: boolean): void {
    const c = this.countersOf(idx);
    const t = this.clientEmits;
    if (seq === c.c + 1 || (c.c === -1 && this.o.cluster)) {
      c.c = seq;
      t.accepted++;
    } else if (seq > c.c + 1) {
      t.lost += seq - c.c - 1;
      const skipped = (c.cSkipped ??= new Set());
      for (let q = c.c + 1; q < seq && skipped.size < 256; q++) skipped.add(q);
      c.c = seq;
      t.accepted++;
    } else if (c.cSkipped?.delete(seq)) {
      t.outOfOrder++;
    } else if (retry) {
      t.retries++;
    } else {
      t.duplicated++;
    }
  }

  start(): void {
    if (this.timer) return;
    this.loopLag.resetTotal();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const n = this.tickNo++;
    const o = this.o;
    // broadcasts: spread evenly over the ticks of a second
    const perTick = (o.broadcastsPerSec * TICK_MS) / 1000;
    const due = Math.floor((n + 1) * perTick) - Math.floor(n * perTick);
    for (let i = 0; i < due; i++) {
      const seq = this.bSeq++;
      const spec = BROADCASTS[seq % BROADCASTS.length];
      let op = this.io.to(spec.rooms);
      if (spec.except) op = op.except(spec.except);
      op.emit(EV.b, o.node, seq, stampUs(), { n: seq });
      this.emitted.b++;
    }
    const vPerTick = (o.volatilePerSec * TICK_MS) / 1000;
    if (Math.floor((n + 1) * vPerTick) > Math.floor(n * vPerTick)) {
      this.io.volatile.to("r3").emit(EV.v, stampUs());
      this.emitted.v++;
    }
    if (o.slowBytes > 0 && n % 2 === 0) {
      this.io.to(SLOW_ROOM).emit(EV.s, this.bulk);
      this.emitted.s++;
    }
    // per-socket emits: each client in its own slot of the period
    const dSlots = o.directEveryMs > 0 ? Math.max(1, Math.round(o.directEveryMs / TICK_MS)) : 0;
    const aSlots = o.ackEveryMs > 0 ? Math.max(1, Math.round(o.ackEveryMs / TICK_MS)) : 0;
    if (dSlots === 0 && aSlots === 0) return;
    for (const socket of this.io.of("/").sockets.values()) {
      const idx: number = socket.data.idx;
      if (idx === undefined || isSlowReader(idx) || this.current.get(idx) !== socket.id) continue;
      if (dSlots && (idx + n) % dSlots === 0) {
        const c = this.countersOf(idx);
        socket.emit(EV.d, o.node, c.d++, stampUs());
        this.emitted.d++;
      }
      if (aSlots && (idx + n + 1) % aSlots === 0) {
        const c = this.countersOf(idx);
        socket.emit(EV.a, o.node, c.a++, stampUs(), () => this.acksIn++);
        this.emitted.a++;
      }
    }
  }

  /** Disconnects one kick room's sockets (server-side disconnectSockets, 1/KICK_ROOMS of the clients). */
  kick(): void {
    this.io.in(`k${Math.floor(Math.random() * KICK_ROOMS)}`).disconnectSockets();
  }

  /** Where each stream of this node stands: what every client should have received by now. */
  ends(): Record<string, Record<string, number>> {
    const node = this.o.node;
    const out: Record<string, Record<string, number>> = {};
    if (this.bSeq > 0) out["*"] = { [`b${node}`]: this.bSeq };
    for (const [idx, c] of this.counters) out[idx] = { [`d${node}`]: c.d, [`a${node}`]: c.a };
    return out;
  }

  sample(): ServerSample {
    // First: what the loop went through before this request got its turn.
    const lag = this.loopLag.read();
    const run = this.loopLag.totals();
    const m = process.memoryUsage();
    const io = this.io;
    let connWebsocket = 0;
    let connPolling = 0;
    let metrics: Record<string, number> | undefined;
    if (typeof io.metrics === "function") {
      metrics = io.metrics();
      connWebsocket = metrics!.connectionsWebsocket;
      connPolling = metrics!.connectionsPolling;
    } else {
      const clients = io.engine?.clients;
      const list: any[] = clients instanceof Map ? [...clients.values()] : Object.values(clients ?? {});
      for (const s of list) {
        if (s.transport?.name === "polling") connPolling++;
        else connWebsocket++;
      }
    }
    let slowMaxBuffered = 0;
    let slowOpen = 0;
    const nsp = io.of("/");
    for (const sid of nsp.adapter.rooms.get(SLOW_ROOM) ?? []) {
      const conn = nsp.sockets.get(sid)?.conn;
      if (!conn) continue;
      slowOpen++;
      const b = typeof conn.bufferedBytes === "number" ? conn.bufferedBytes : bufferedUpstream(conn);
      if (b > slowMaxBuffered) slowMaxBuffered = b;
    }
    const s: ServerSample = {
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      rss: m.rss,
      fds: countFds(),
      connWebsocket,
      connPolling,
      sockets: nsp.sockets.size,
      nsps: io._nsps?.size ?? -1,
      emitted: { ...this.emitted },
      acksIn: this.acksIn,
      clientEmits: { ...this.clientEmits },
      slowMaxBuffered,
      slowOpen,
      slowRecovered: this.slowRecovered,
      recoveryHit: this.recovery.hit,
      recoveryMissOldAlive: this.recovery.missOldAlive,
      recoveryMissOther: this.recovery.missOther,
      ...recoveryKept(nsp.adapter),
      closes: { ...this.closes },
      slowCloses: { ...this.slowCloses },
      eventLoopP99Ms: lag.p99Ms,
      eventLoopMaxMs: lag.maxMs,
      eventLoopRunP99Ms: run.p99Ms,
      eventLoopRunMaxMs: run.maxMs,
      metrics,
    };
    return s;
  }
}

/**
 * Read from each adapter's own fields (neither server exposes them): upstream's
 * SessionAwareAdapter keeps `packets` and `sessions`, hyperio's keeps them in its
 * `sessionStore`. -1 when the shape is not there (recovery off, or the fields renamed).
 */
function recoveryKept(adapter: any): { recoveryKeptPackets: number; recoveryKeptSessions: number } {
  const holder = adapter?.sessionStore ?? adapter;
  const packets = holder?.packets;
  const sessions = holder?.sessions;
  return {
    recoveryKeptPackets: Array.isArray(packets) ? packets.length : -1,
    recoveryKeptSessions: sessions instanceof Map ? sessions.size : -1,
  };
}

/** Upstream engine.io: packets waiting in the session plus what ws holds unsent. */
function bufferedUpstream(conn: any): number {
  let n = 0;
  for (const p of conn.writeBuffer ?? []) n += typeof p.data === "string" ? p.data.length : (p.data?.byteLength ?? 0);
  const ws = conn.transport?.socket;
  if (ws && typeof ws.bufferedAmount === "number") n += ws.bufferedAmount;
  return n;
}

function countFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}
