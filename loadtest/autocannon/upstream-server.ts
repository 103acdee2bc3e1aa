// Upstream socket.io 4.8 (node:http + its default `ws` engine) speaking the load-tool control
// convention, so the autocannon scenarios and the k6 scripts run standalone. The main
// harness owns the servers it compares; this one is the reference the convention is
// checked against.
//
// Control convention (every server under test implements it on the main namespace "/"):
//   bench:join      (room: string, ack?)              join `room`; ack({ room })
//   bench:echo      (payload: any, ack?)              ack(payload), unchanged
//   bench:broadcast ({ room, size, count, binary }, ack?)
//                   emit `count` times to `room` (everyone when room is "" or absent):
//                   "bench:msg" { seq, t, data }  seq 0..count-1, t = Date.now() at emit,
//                   data = "x" * size, or `size` bytes when binary; then ack({ sent: count })
//
// Run as a child process: `node --import tsx loadtest/autocannon/upstream-server.ts --port 0`
// prints "listening <port>" and, over IPC, sends { type: "listening", port } and answers
// { type: "stats" } with { type: "stats", counters }.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

/** What the server counts, so a test can prove requests really reached a session. */
export interface BenchCounters {
  connections: number;
  joins: number;
  echoes: number;
  broadcastRequests: number;
  broadcastMessages: number;
}

export interface BroadcastRequest {
  room?: string;
  size?: number;
  count?: number;
  binary?: boolean;
}

/** Largest `size` and `count` one bench:broadcast may ask for, so a typo cannot wedge the host. */
export const MAX_BROADCAST_SIZE = 16 * 1024 * 1024;
export const MAX_BROADCAST_COUNT = 100_000;

export function newCounters(): BenchCounters {
  return { connections: 0, joins: 0, echoes: 0, broadcastRequests: 0, broadcastMessages: 0 };
}

type Ack = (...args: unknown[]) => void;

function asAck(value: unknown): Ack | undefined {
  return typeof value === "function" ? (value as Ack) : undefined;
}

/**
 * Installs the bench:* handlers on `io`'s main namespace.
 * @example installBenchControl(new Server(httpServer), newCounters());
 */
export function installBenchControl(io: Server, counters: BenchCounters): void {
  io.on("connection", (socket) => {
    counters.connections++;
    socket.on("bench:join", (room: unknown, ack: unknown) => {
      counters.joins++;
      void socket.join(String(room));
      asAck(ack)?.({ room: String(room) });
    });
    socket.on("bench:echo", (payload: unknown, ack: unknown) => {
      counters.echoes++;
      asAck(ack)?.(payload);
    });
    socket.on("bench:broadcast", (request: unknown, ack: unknown) => {
      const req = (request ?? {}) as BroadcastRequest;
      const size = clampInt(req.size, 0, MAX_BROADCAST_SIZE, 16);
      const count = clampInt(req.count, 1, MAX_BROADCAST_COUNT, 1);
      const data = req.binary ? Buffer.alloc(size, 120) : "x".repeat(size);
      const target = req.room ? io.to(String(req.room)) : io;
      counters.broadcastRequests++;
      for (let seq = 0; seq < count; seq++) target.emit("bench:msg", { seq, t: Date.now(), data });
      counters.broadcastMessages += count;
      asAck(ack)?.({ sent: count });
    });
  });
}

function clampInt(value: unknown, min: number, max: number, fallback: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

export interface RunningUpstream {
  io: Server;
  port: number;
  url: string;
  counters: BenchCounters;
  close(): Promise<void>;
}

/** Starts upstream socket.io with the control convention on 127.0.0.1:`port` (0 = any). */
export async function startUpstream(port = 0): Promise<RunningUpstream> {
  const httpServer = createServer();
  const io = new Server(httpServer, { serveClient: false });
  const counters = newCounters();
  installBenchControl(io, counters);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (httpServer.address() as AddressInfo).port;
  return {
    io,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        // io.close() also closes the HTTP server once every engine session is gone.
        void io.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const portArg = process.argv.indexOf("--port");
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--port must be 0..65535");
  const server = await startUpstream(port);
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    void server.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.on("disconnect", shutdown);
  process.on("message", (msg: unknown) => {
    if ((msg as { type?: unknown })?.type === "stats") process.send?.({ type: "stats", counters: server.counters });
  });
  console.log(`listening ${server.port}`);
  process.send?.({ type: "listening", port: server.port });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
