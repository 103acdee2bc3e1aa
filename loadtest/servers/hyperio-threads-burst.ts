// The server side of loadtest/burst-drain.ts (issue 10, ioThreads): one of hyperio (with
// LOADTEST_IO_THREADS I/O threads), upstream socket.io (ws or uWS) or bare uWS, every
// connection in room "r", commanded over IPC:
//   {cmd: "burst", count, payload} -> writes `count` broadcasts to the room in one loop and
//     replies with the wall time until the server has handed them all to the kernel (the
//     loop turn after the writes; with I/O threads, once every thread reports the same), and
//     the CPU every thread of the process used meanwhile;
//   {cmd: "rate", perSecond, seconds, payload} -> broadcasts at a fixed rate and replies
//     with the CPU used over the window (total and main thread) and the broadcasts made.
// CPU is read from /proc/self/task/*/schedstat (ns, per thread; the main thread is the task
// whose id is the pid); each reply also lists what every thread used.
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadUws } from "../../src/engine/uws-loader";
import { requireHyperio, loadHyperioServer } from "./hyperio-module";

const kind = process.env.LOADTEST_BURST_KIND ?? "hyperio";
const threads = Number(process.env.LOADTEST_IO_THREADS ?? 0);
const ROOM = "r";

function cpuNs(): { total: number; main: number; byTask: Map<number, number> } {
  let total = 0;
  let main = 0;
  const byTask = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    let ns = 0;
    try {
      ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      continue; // a thread that exited meanwhile
    }
    total += ns;
    byTask.set(Number(tid), ns);
    if (Number(tid) === process.pid) main = ns;
  }
  return { total, main, byTask };
}

/**
 * CPU each thread used between two readings, busiest first (ns; threads under 0.1 ms left
 * out). Every thread is named "node" in /proc, so the I/O threads are told apart by what they
 * did: with ioThreads, the busiest threads after the main one.
 */
function perThread(c0: ReturnType<typeof cpuNs>, c1: ReturnType<typeof cpuNs>): Array<{ tid: number; main: boolean; ns: number }> {
  const out: Array<{ tid: number; main: boolean; ns: number }> = [];
  for (const [tid, ns] of c1.byTask) {
    const d = ns - (c0.byTask.get(tid) ?? 0);
    if (d >= 100_000) out.push({ tid, main: tid === process.pid, ns: d });
  }
  return out.sort((a, b) => b.ns - a.ns);
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Target {
  port: number;
  /** `payload` as JSON text (what bare uWS writes) and as the value Socket.IO encodes. */
  emit(seq: number, payload: string, value: unknown): void;
  /** One `42["w"]` broadcast, outside the counted sequence (the client skips it). */
  warm(): void;
  /** Resolves once what was emitted is handed to the kernel. */
  settled(): Promise<void>;
  clients(): number;
}

async function start(): Promise<Target> {
  if (kind === "bare-uws") {
    const { uws } = loadUws();
    const app = uws.App();
    let n = 0;
    app.ws("/*", {
      maxBackpressure: 16 * 1024 * 1024,
      idleTimeout: 0,
      open: (ws) => {
        n++;
        ws.subscribe(ROOM);
        ws.send("40");
      },
      close: () => n--,
    });
    const port = await new Promise<number>((resolve) => app.listen(0, (ls) => resolve(uws.us_socket_local_port(ls as never))));
    return {
      port,
      emit: (seq, payload) => app.publish(ROOM, `42["m",${seq},${payload}]`, false),
      warm: () => app.publish(ROOM, `42["w"]`, false),
      settled: async () => {
        await turn();
        await turn();
      },
      clients: () => n,
    };
  }
  const opts = { pingInterval: 25000, pingTimeout: 20000, serveClient: false, maxBackpressure: 16 * 1024 * 1024 };
  let io: any;
  let port: number;
  if (kind === "hyperio") {
    const Server = loadHyperioServer();
    io = new Server({ ...opts, ioThreads: threads });
    io.listen(0);
    port = io.port;
  } else {
    const { Server } = requireUpstream();
    if (kind === "upstream-uws") {
      const { uws } = loadUws();
      const app = uws.App();
      io = new Server(opts);
      io.attachApp(app);
      port = await new Promise<number>((resolve) => app.listen(0, (ls) => resolve(uws.us_socket_local_port(ls as never))));
    } else {
      const http = createServer();
      io = new Server(http, opts);
      port = await new Promise<number>((resolve) => http.listen(0, () => resolve((http.address() as { port: number }).port)));
    }
  }
  io.on("connection", (s: any) => s.join(ROOM));
  const backend = kind === "hyperio" ? (io.engine as { ioThreads?: { sync(): Promise<void> } }).ioThreads : undefined;
  return {
    port,
    emit: (seq, _payload, value) => io.to(ROOM).emit("m", seq, value),
    warm: () => io.to(ROOM).emit("w"),
    settled: async () => {
      await turn();
      await turn();
      if (backend) await backend.sync();
    },
    clients: () => io.engine.clientsCount,
  };
}

function requireUpstream(): { Server: any } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("socket.io");
}

async function main(): Promise<void> {
  void requireHyperio;
  const target = await start();
  process.on("message", async (m: any) => {
    if (m.cmd === "clients") {
      process.send!({ id: m.id, clients: target.clients() });
    } else if (m.cmd === "burst") {
      if (m.warmMs) {
        // The paused clients stopped reading, but libuv takes each socket out of epoll only
        // when data next arrives on it: without this broadcast, the client process did 10,000
        // epoll_ctl calls during the timed burst and took CPU from the server. Not timed.
        target.warm();
        await new Promise((r) => setTimeout(r, m.warmMs));
      }
      const c0 = cpuNs();
      const t0 = process.hrtime.bigint();
      const value = JSON.parse(m.payload);
      for (let i = 0; i < m.count; i++) target.emit(m.from + i, m.payload, value);
      await target.settled();
      const wallNs = Number(process.hrtime.bigint() - t0);
      const c1 = cpuNs();
      process.send!({ id: m.id, wallNs, cpuNs: c1.total - c0.total, mainCpuNs: c1.main - c0.main, threads: perThread(c0, c1) });
    } else if (m.cmd === "rate") {
      const c0 = cpuNs();
      const t0 = Date.now();
      let seq = m.from;
      const perTick = m.perSecond / 100;
      const value = JSON.parse(m.payload);
      let owed = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          owed += perTick;
          for (; owed >= 1; owed--) target.emit(seq++, m.payload, value);
          if (Date.now() - t0 >= m.seconds * 1000) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      await target.settled();
      const c1 = cpuNs();
      process.send!({ id: m.id, broadcasts: seq - m.from, cpuNs: c1.total - c0.total, mainCpuNs: c1.main - c0.main, wallMs: Date.now() - t0, threads: perThread(c0, c1) });
    } else if (m.cmd === "exit") {
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "listening", port: target.port, pid: process.pid });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
