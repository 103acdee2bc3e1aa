// A soak server process: hyperio or upstream socket.io, alone or as one node of a cluster on
// an official Redis adapter, running the soak app (server-app.ts) and answering the driver
// over IPC. Configuration comes in SOAK_SERVER (JSON, see ServerConfig).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeHeapSnapshot } from "node:v8";
import { memoryBreakdown } from "./memory";
import { SoakApp, type TrafficOptions } from "./server-app";
import { SLOW_ROOM } from "./wire";

export interface ServerConfig {
  impl: "hyperio" | "upstream";
  recovery: boolean;
  /** Recovery window, ms. */
  recoveryWindowMs: number;
  traffic: TrafficOptions;
  /** Cluster node on a Redis adapter. */
  adapter?: { kind: "pubsub" | "streams"; url: string; name: string };
  port?: number;
}

export type ToServer =
  | { cmd: "start" }
  | { cmd: "stop"; id: number }
  | { cmd: "sample"; id: number }
  | { cmd: "kick" }
  | { cmd: "gc"; id: number }
  /** memory.ts's breakdown (the cycles' readings). */
  | { cmd: "memory"; id: number }
  /** A V8 heap snapshot written to `file` (--heap-snapshots). */
  | { cmd: "heapSnapshot"; id: number; file: string }
  | { cmd: "exit" };

export type FromServer =
  | { type: "listening"; port: number; pid: number }
  | { type: "reply"; id: number; data?: unknown }
  | { type: "log"; text: string };

const send = (m: FromServer) => process.send?.(m);

/** The adapter's publishing client (cluster nodes). */
let publisher: any;
async function createIo(cfg: ServerConfig): Promise<{ io: any; port: number }> {
  const opts: Record<string, unknown> = { pingInterval: 25000, pingTimeout: 20000, serveClient: false, cleanupEmptyChildNamespaces: true };
  if (cfg.recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: cfg.recoveryWindowMs, skipMiddlewares: true };
  if (cfg.adapter) opts.adapter = await redisAdapter(cfg.adapter);
  if (cfg.impl === "hyperio") {
    const { loadHyperioServer } = await import("../servers/hyperio-module");
    const Server = loadHyperioServer();
    const io: any = new Server(opts);
    await Promise.resolve(io.listen(cfg.port ?? 0));
    return { io, port: io.port };
  }
  const { Server } = await import("socket.io");
  const http = createServer();
  const io: any = new Server(http, opts);
  await new Promise<void>((r) => http.listen(cfg.port ?? 0, "127.0.0.1", r));
  return { io, port: (http.address() as AddressInfo).port };
}

/** The official adapters over node-redis clients that reconnect on their own (their default). */
async function redisAdapter(a: NonNullable<ServerConfig["adapter"]>): Promise<unknown> {
  const { createClient } = await import("redis");
  const client = (name: string) => {
    const c = createClient({ url: a.url, name, socket: { reconnectStrategy: (n: number) => Math.min(50 * 2 ** n, 1000) } });
    let last = "";
    c.on("error", (err: Error) => {
      if (err.message !== last) send({ type: "log", text: `redis ${name}: ${err.message}` });
      last = err.message;
    });
    return c;
  };
  if (a.kind === "pubsub") {
    const { createAdapter } = await import("@socket.io/redis-adapter");
    const pub = client(`${a.name}-pub`);
    const sub = pub.duplicate();
    sub.on("error", () => undefined);
    await Promise.all([pub.connect(), sub.connect()]);
    publisher = pub;
    return slowBulkStaysLocal(createAdapter(pub, sub, { key: "soak" }));
  }
  const { createAdapter } = await import("@socket.io/redis-streams-adapter");
  const c = client(a.name);
  await c.connect();
  publisher = c;
  return slowBulkStaysLocal(createAdapter(c, { streamName: "soak" }));
}

/**
 * The bulk for the readers that stop reading (server-app.ts, to SLOW_ROOM) is sent by every
 * node to its own slow readers (they connect straight to their home node): it tests the
 * per-session buffer cap, not the cluster. Through the streams adapter it would be appended
 * to the stream (1 MB/s at the default 64 KiB x 5/s x 3 nodes), and every session restore
 * reads back every entry after the client's offset (the adapter's restoreSession has no
 * room filter on the Redis side): it is kept on its node, as `io.local` would.
 */
function slowBulkStaysLocal(factory: (nsp: any) => any): (nsp: any) => any {
  // A function, not an arrow: upstream socket.io calls the adapter factory with `new`.
  return function (nsp: any) {
    const adapter = factory(nsp);
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet: any, opts: any) => {
      if (opts.rooms?.size === 1 && opts.rooms.has(SLOW_ROOM)) opts.flags = { ...opts.flags, local: true };
      return broadcast(packet, opts);
    };
    return adapter;
  };
}

/**
 * @socket.io/redis-adapter 8.3 calls `pubClient.publish()` without handling the promise: a
 * PUBLISH in flight when redis-server dies rejects (ECONNRESET, "Socket closed
 * unexpectedly") with no handler, which ends a Node >= 15 process. An operator on that
 * adapter needs this handler; the soak installs it on cluster nodes (both servers alike),
 * counts what it caught in the node's log, and lets any other rejection end the process.
 */
function survivePublishRejections(): void {
  const redisDrop = (e: unknown) =>
    e instanceof Error &&
    // node-redis' error classes keep name "Error": the class name tells them apart
    (e.constructor.name === "SocketClosedUnexpectedlyError" || ["ECONNRESET", "ECONNREFUSED", "EPIPE"].includes((e as NodeJS.ErrnoException).code ?? ""));
  let caught = 0;
  process.on("unhandledRejection", (reason) => {
    if (!redisDrop(reason)) throw reason;
    if (caught++ === 0) send({ type: "log", text: `unhandled rejection from the adapter's Redis client (kept alive): ${(reason as Error).message}` });
  });
  let logged = 1;
  setInterval(() => {
    if (caught > logged) send({ type: "log", text: `unhandled rejections from the adapter's Redis client so far: ${(logged = caught)}` });
  }, 10000).unref();
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.SOAK_SERVER ?? "{}") as ServerConfig;
  if (cfg.adapter) survivePublishRejections();
  const { io, port } = await createIo(cfg);
  const app = new SoakApp(io, cfg.traffic);
  if (cfg.adapter) clusterDiagnostics(io, publisher, cfg.adapter.name);
  process.on("message", (raw: unknown) => {
    const c = raw as ToServer;
    switch (c.cmd) {
      case "start":
        app.start();
        break;
      case "stop":
        app.stop();
        send({ type: "reply", id: c.id, data: app.ends() });
        break;
      case "sample":
        send({ type: "reply", id: c.id, data: app.sample() });
        break;
      case "kick":
        app.kick();
        break;
      case "gc":
        (globalThis as { gc?: () => void }).gc?.();
        send({ type: "reply", id: c.id });
        break;
      case "memory":
        send({ type: "reply", id: c.id, data: memoryBreakdown() });
        break;
      case "heapSnapshot":
        send({ type: "reply", id: c.id, data: writeHeapSnapshot(c.file) });
        break;
      case "exit":
        process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "listening", port, pid: process.pid });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * A cluster node's view of Redis every 10 s, in the node's log: session restores through
 * the adapter (pending, done, failed, slowest, mean, packets replayed) and the round trip of
 * a PING on the adapter's publishing client (and how long the current one has waited).
 * A restore reads the stream after the client's offset on that same connection, so a
 * reconnect storm shows up here first.
 */
function clusterDiagnostics(io: any, publisher: any, name: string): void {
  const ad = io.of("/").adapter;
  const restore = ad.restoreSession.bind(ad);
  const st = { pending: 0, done: 0, failed: 0, maxMs: 0, sumMs: 0, replayed: 0, liveMissed: 0, liveMissedInRestore: 0, liveAgain: 0 };
  // Live broadcasts this node applied while a restore was in flight (the restored socket is
  // in no room yet): one newer than what the restore read back, to the session's rooms, is
  // missed for good.
  const inFlight = new Set<Array<{ off: string; rooms: string[]; except: string[] }>>();
  // Per restored session (by sid): the last offset its restore read back (what the client
  // gets replayed, or the offset it asked from when nothing was missed), until 30 s later.
  const restored = new Map<string, { upTo: string; at: number }>();
  ad.restoreSession = async (pid: string, offset: string) => {
    const t = Date.now();
    st.pending++;
    const applied: Array<{ off: string; rooms: string[]; except: string[] }> = [];
    inFlight.add(applied);
    try {
      const r = await restore(pid, offset);
      st.done++;
      st.replayed += r?.missedPackets?.length ?? 0;
      if (r?.sid) {
        const last = r.missedPackets?.[r.missedPackets.length - 1];
        const upTo = Array.isArray(last) && typeof last[last.length - 1] === "string" ? last[last.length - 1] : offset;
        restored.set(r.sid, { upTo, at: Date.now() });
        const rooms: string[] = r.rooms ?? [];
        for (const a of applied) {
          if (offsetAfter(a.off, upTo) && a.rooms.some((x) => rooms.includes(x)) && !a.except.some((x) => rooms.includes(x))) st.liveMissedInRestore++;
        }
      }
      return r;
    } catch (e) {
      st.failed++;
      throw e;
    } finally {
      inFlight.delete(applied);
      st.pending--;
      const ms = Date.now() - t;
      st.sumMs += ms;
      if (ms > st.maxMs) st.maxMs = ms;
    }
  };
  // Which live broadcasts a restored session misses or gets again. The adapter's local
  // delivery (socket.io-adapter's Adapter#broadcast) encodes the packet, then applies it to
  // the sockets of its rooms found in nsp.sockets: a broadcast with an offset newer than what
  // the restore read back that finds the restored socket in its rooms but not yet connected
  // is missed for good (the socket joins its rooms before it is connected); one with an offset
  // the restore already read back that reaches the connected socket arrives twice.
  let packet: any;
  const encode = ad._encode?.bind(ad);
  if (encode) {
    ad._encode = (p: any, o: any) => ((packet = p), encode(p, o));
    const apply = ad.apply.bind(ad);
    ad.apply = (opts: any, cb: any) => {
      const off = packet?.data?.[packet.data.length - 1];
      if (inFlight.size && opts?.rooms?.size && typeof off === "string" && /^\d+-\d+$/.test(off)) {
        const rec = { off, rooms: [...opts.rooms] as string[], except: [...(opts.except ?? [])] as string[] };
        for (const list of inFlight) if (list.length < 5000) list.push(rec);
      }
      if (restored.size && opts?.rooms?.size && typeof off === "string" && /^\d+-\d+$/.test(off)) {
        const now = Date.now();
        for (const [sid, r] of restored) {
          if (now - r.at > 30000) {
            restored.delete(sid);
            continue;
          }
          const rooms: Set<string> | undefined = ad.sids.get(sid);
          if (!rooms || ![...opts.rooms].some((x: string) => rooms.has(x)) || [...(opts.except ?? [])].some((x: string) => rooms.has(x))) continue;
          const newer = offsetAfter(off, r.upTo);
          if (newer && !ad.nsp.sockets.has(sid)) st.liveMissed++;
          else if (!newer && ad.nsp.sockets.has(sid)) st.liveAgain++;
        }
      }
      packet = undefined;
      return apply(opts, cb);
    };
  }
  let pingSince = 0;
  let pingMs = -1;
  setInterval(() => {
    if (pingSince !== 0) return;
    pingSince = Date.now();
    publisher.ping().then(
      () => ((pingMs = Date.now() - pingSince), (pingSince = 0)),
      () => ((pingMs = -1), (pingSince = 0)),
    );
  }, 1000).unref();
  setInterval(() => {
    const waiting = pingSince ? Date.now() - pingSince : 0;
    const mean = Math.round(st.sumMs / Math.max(1, st.done + st.failed));
    send({
      type: "log",
      text: `redis ${name} ${new Date().toISOString().slice(11, 19)}: restores pending ${st.pending}, done ${st.done}, failed ${st.failed}, max ${st.maxMs} ms, mean ${mean} ms, replayed ${st.replayed}; live broadcasts to restored sessions: missed (newer than the restore read) while the restore was in flight ${st.liveMissedInRestore}, after it but before the socket connected ${st.liveMissed}, again (already replayed) ${st.liveAgain}; PING ${pingMs} ms${waiting ? `, one waiting ${waiting} ms` : ""}`,
    });
  }, 5000).unref();
}

/** Redis stream ids ("ms-seq"): a strictly after b. */
function offsetAfter(a: string, b: string): boolean {
  const [am, as] = a.split("-").map(Number);
  const [bm, bs] = b.split("-").map(Number);
  return am > bm || (am === bm && as > bs);
}
