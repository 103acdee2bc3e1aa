// Plumbing for the advisory regression tests: an echo server on either backend, raw
// attackers (a `ws` WebSocket, plain HTTP for polling, a bare TCP socket for handshakes),
// and the health check every test ends with (a fresh official client still connects and
// gets its echo).
//
// "The process is alive" is asserted by the test itself finishing: a crash on the server
// side (an uncaught exception, an unhandled "error" event) happens in this process and fails
// the test file.
import assert from "node:assert/strict";
import { createServer, request, type IncomingHttpHeaders, type Server as HttpServer } from "node:http";
import net from "node:net";
import { io as ioc } from "socket.io-client";
import { WebSocket } from "ws";
// From the module itself (not the package entry, which another change may be reshaping).
import { Server, type ServerOptions } from "../../src/server";

export type Backend = "uws" | "node";
export const BACKENDS: Backend[] = ["uws", "node"];

export interface EchoServer {
  io: Server;
  port: number;
  backend: Backend;
  httpServer?: HttpServer;
  /** The `parser` option, if any: the official client must speak it too. */
  parser?: unknown;
  close(): Promise<void>;
}

/**
 * A server whose every socket echoes every event back (an ack is answered with the
 * arguments instead): what an attacker most likes to find, since it sends whatever it got.
 */
export async function startEcho(backend: Backend, opts: Partial<ServerOptions> = {}): Promise<EchoServer> {
  let io: Server;
  let port: number;
  let httpServer: HttpServer | undefined;
  if (backend === "uws") {
    io = new Server(opts);
    io.listen(0);
    port = io.port!;
  } else {
    httpServer = createServer((_req, res) => res.writeHead(404).end());
    io = new Server(httpServer, opts);
    await new Promise<void>((resolve) => httpServer!.listen(0, "127.0.0.1", resolve));
    port = (httpServer.address() as { port: number }).port;
  }
  io.on("connection", (socket) => {
    socket.onAny((event: string, ...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last === "function") (last as (...a: unknown[]) => void)(...args.slice(0, -1));
      else socket.emit(event, ...args);
    });
  });
  return {
    io,
    port,
    backend,
    httpServer,
    parser: opts.parser,
    async close() {
      await io.close();
      if (httpServer) {
        httpServer.closeAllConnections();
        await new Promise((r) => httpServer!.close(r));
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once `cond()` holds; fails after `ms` with `what`. */
export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A raw Engine.IO WebSocket peer: every frame it gets, and how it ended. */
export interface RawWs {
  ws: WebSocket;
  frames: Array<string | Buffer>;
  closed: Promise<number>;
  isClosed(): boolean;
  send(data: string | Buffer): void;
  /** Waits for a frame matching `pred` (from the first not yet taken). */
  next(pred?: (f: string | Buffer) => boolean, ms?: number): Promise<string | Buffer>;
}

export function rawWs(port: number, query = "EIO=4&transport=websocket", headers: Record<string, string> = {}): Promise<RawWs> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?${query}`, { headers });
  const frames: Array<string | Buffer> = [];
  let closedFlag = false;
  let taken = 0;
  const closed = new Promise<number>((resolve) => {
    ws.on("close", (code) => {
      closedFlag = true;
      resolve(code);
    });
    ws.on("error", () => {
      closedFlag = true;
      resolve(-1);
    });
  });
  ws.on("message", (data, isBinary) => frames.push(isBinary ? Buffer.from(data as Buffer) : data.toString()));
  const peer: RawWs = {
    ws,
    frames,
    closed,
    isClosed: () => closedFlag,
    send(data) {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    async next(pred = () => true, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        for (let i = taken; i < frames.length; i++) {
          if (pred(frames[i]!)) {
            taken = i + 1;
            return frames[i]!;
          }
        }
        if (closedFlag || Date.now() > end) throw new Error(`no matching frame (closed: ${closedFlag})`);
        await sleep(5);
      }
    },
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(peer));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** A raw WebSocket peer that has done the Engine.IO open and the Socket.IO CONNECT to "/". */
export async function connectedWs(port: number): Promise<RawWs> {
  const peer = await rawWs(port);
  await peer.next((f) => typeof f === "string" && f.startsWith("0"));
  peer.send("40");
  await peer.next((f) => typeof f === "string" && f.startsWith("40"));
  return peer;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on a fresh connection (no keep-alive left behind). */
export function http(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  /** Give up after this many ms: the reply is then status -1 (a long-poll left pending). */
  timeoutMs?: number,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => {
        req.destroy();
        resolve({ status: -1, headers: {}, body: "" });
      });
    }
    req.end(body);
  });
}

/** A raw polling peer: the Engine.IO sid, after the Socket.IO CONNECT to "/" was accepted. */
export async function connectedPolling(port: number): Promise<{ sid: string; path: string }> {
  const open = await http(port, "GET", "/socket.io/?EIO=4&transport=polling");
  assert.equal(open.status, 200, open.body);
  const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
  const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const post = await http(port, "POST", path, "40", { "content-type": "text/plain;charset=UTF-8" });
  assert.equal(post.status, 200, post.body);
  const connect = await http(port, "GET", path);
  assert.match(connect.body, /^40/, "the CONNECT answer");
  return { sid, path };
}

/**
 * Writes `head` (an HTTP request head, and anything after it) on a bare TCP connection and
 * resolves with what the server answered: as soon as one whole response is in (a 101's
 * head, or a head and its Content-Length of body), else what came before the server closed,
 * or after `ms` (an accepted WebSocket is never closed by the server: waiting for that
 * would wait out the heartbeat).
 */
export function rawTcp(port: number, head: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, ms);
    sock.on("data", (c) => {
      chunks.push(c);
      if (wholeResponse(Buffer.concat(chunks).toString("latin1"))) done();
    });
    sock.on("error", done);
    sock.on("close", done);
    sock.write(head);
  });
}

/** true when `text` holds a whole HTTP response: a 101's head, or a head and its body. */
function wholeResponse(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  if (text.startsWith("HTTP/1.1 101")) return true;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length !== null && text.length - (end + 4) >= Number(length[1]);
}

/**
 * The outcome every advisory test ends with: an official socket.io-client connects to this
 * server over `transport` and gets its echo back, and the server still counts it.
 */
export async function assertServes(server: EchoServer, transport: "websocket" | "polling" = "websocket"): Promise<void> {
  const client = ioc(`http://127.0.0.1:${server.port}`, {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    ...(server.parser ? { parser: server.parser as never } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`official client (${transport}) did not connect`)), 5000);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      client.once("connect_error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const echoed = await new Promise<unknown[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no echo")), 5000);
      client.once("health", (...args: unknown[]) => {
        clearTimeout(timer);
        resolve(args);
      });
      client.emit("health", 1, "two", { three: [3] });
    });
    // With connection state recovery, the packet's offset follows as one more argument (as
    // upstream: socket.io-client passes it to the listener).
    assert.deepEqual(echoed.slice(0, 3), [1, "two", { three: [3] }]);
  } finally {
    client.disconnect();
  }
}

/**
 * Runs `body` once per backend with a fresh echo server, then checks the server still
 * serves both transports. Used by every advisory test so none forgets the health check.
 */
export async function onEachBackend(
  t: { test: (name: string, fn: () => Promise<void>) => Promise<void> },
  opts: Partial<ServerOptions>,
  body: (server: EchoServer) => Promise<void>,
): Promise<void> {
  for (const backend of BACKENDS) {
    await t.test(backend === "uws" ? "uWS (new Server(0))" : "node:http + ws", async () => {
      const server = await startEcho(backend, opts);
      try {
        await body(server);
        await assertServes(server, "websocket");
        await assertServes(server, "polling");
      } finally {
        await server.close();
      }
    });
  }
}

/** A bare TCP connection past a WebSocket upgrade to the Engine.IO endpoint (frames are up to the caller). */
export interface TcpWs {
  sock: net.Socket;
  /** Everything the server sent after the 101 response, raw. */
  received(): Buffer;
  closed: Promise<void>;
  isClosed(): boolean;
}

export function tcpWebSocket(port: number): Promise<TcpWs> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let closedFlag = false;
    const closed = new Promise<void>((r) => sock.on("close", () => ((closedFlag = true), r())));
    sock.on("error", () => {});
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (upgraded) return;
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buf.subarray(0, end).toString("latin1");
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`no upgrade: ${head.split("\r\n")[0]}`));
      upgraded = true;
      buf = buf.subarray(end + 4);
      resolve({ sock, received: () => buf, closed, isClosed: () => closedFlag });
    });
    sock.write(
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
  });
}

/** One client WebSocket frame (masked, as a client must), with every header bit settable. */
export function wsFrame(
  opcode: number,
  payload: Buffer | string,
  { fin = true, rsv = 0, mask = true }: { fin?: boolean; rsv?: number; mask?: boolean } = {},
): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  head[1] = (mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127);
  if (lenBytes === 2) head.writeUInt16BE(len, 2);
  if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([head, data]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  key.copy(head, 2 + lenBytes);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([head, body]);
}

/** Whether a polling GET shows the session closed: refused, or carrying a CLOSE packet. */
export function pollingClosed(reply: HttpReply): boolean {
  return reply.status === 400 || reply.body.split("\x1e").includes("1");
}
