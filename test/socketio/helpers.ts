// Shared test plumbing: a hyperio Server on either backend, official socket.io-client peers,
// and waiting helpers. Everything created here is closed by `cleanup()`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createServer, get as httpGetRaw, globalAgent, type Server as HttpServer } from "node:http";
import { io as ioc, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from "socket.io-client";
import { Server, type ServerOptions } from "../../src/index";

export type Backend = "uws" | "node";
export type Transport = "websocket" | "polling";

/** Every (backend, client transport) pair, for tests that must hold on each. */
export const MATRIX: Array<{ backend: Backend; transport: Transport }> = [
  { backend: "uws", transport: "websocket" },
  { backend: "uws", transport: "polling" },
  { backend: "node", transport: "websocket" },
  { backend: "node", transport: "polling" },
];

export interface Harness {
  io: Server;
  port: number;
  httpServer?: HttpServer;
  /** An official client connected to `nsp` on this server. */
  client(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  cleanup(): Promise<void>;
}

/** Starts a Server on `backend` listening on 127.0.0.1 with an OS-chosen port. */
export async function start(backend: Backend, opts: Partial<ServerOptions> = {}, transport: Transport = "websocket"): Promise<Harness> {
  const clients: ClientSocket[] = [];
  let io: Server;
  let port: number;
  let httpServer: HttpServer | undefined;
  if (backend === "uws") {
    io = new Server(opts);
    io.listen(0);
    port = io.port!;
  } else {
    // like an app behind the server: anything the engine does not take gets a 404
    httpServer = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    io = new Server(httpServer, opts);
    await new Promise<void>((resolve) => httpServer!.listen(0, "127.0.0.1", resolve));
    port = (httpServer.address() as { port: number }).port;
  }
  return {
    io,
    port,
    httpServer,
    client(nsp = "/", copts = {}) {
      const socket = ioc(`http://127.0.0.1:${port}${nsp}`, {
        transports: transport === "polling" ? ["polling"] : ["websocket"],
        forceNew: true,
        reconnection: false,
        path: opts.path ?? "/socket.io",
        ...copts,
      });
      clients.push(socket);
      return socket;
    },
    async cleanup() {
      for (const c of clients) c.disconnect();
      // let the disconnect packets flush before closing the server
      await new Promise((r) => setTimeout(r, 10));
      await io.close();
      // polling clients leave keep-alive sockets in node's global agent: drop them so the
      // test process can exit at once (uWS keeps a connection until its peer closes it)
      globalAgent.destroy();
    },
  };
}

/** Resolves with the arguments of the next `event` on `emitter`, or rejects after `ms`. */
export function once<T extends unknown[] = any[]>(emitter: { once(ev: string, fn: (...a: any[]) => void): unknown }, event: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), ms);
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

/** Waits for the client to connect (rejects on connect_error). */
export function connected(socket: ClientSocket, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    const timer = setTimeout(() => reject(new Error("timed out waiting for connect")), ms);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET over a fresh connection closed afterwards (no keep-alive left behind). */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpGetRaw(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/**
 * Parity harness: one scenario, run against upstream socket.io 4.8 and hyperio, created the
 * same way on both sides. `http` attaches to a node:http server listening on 127.0.0.1
 * (hyperio's node:http + ws backend); `port` is `new Server(0)` (upstream creates its own
 * http.Server, hyperio its uWS App: the default path). Both `port` servers listen on every
 * interface, so what a client sees (its address, for one) is compared like for like.
 */
export type ParityCreation = "http" | "port";
export type ParityImpl = "upstream" | "hyperio";

export interface ParityCtx {
  io: any;
  impl: ParityImpl;
  creation: ParityCreation;
  /** `${impl}-${creation}`, for the rare scenario that must say where it runs. */
  kind: `${ParityImpl}-${ParityCreation}`;
  transport: Transport;
  port: number;
  /** An official client on `nsp`, its own connection (`forceNew`), no reconnection. */
  connect(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
}

export type ParityScenario = (ctx: ParityCtx) => Promise<unknown>;

/** Runs `scenario` on one server and returns what it observed; the server is closed after. */
export async function runParityScenario(impl: ParityImpl, creation: ParityCreation, transport: Transport, scenario: ParityScenario, opts: object = {}): Promise<unknown> {
  const { Server: UpstreamServer } = await import("socket.io");
  const Impl: any = impl === "upstream" ? UpstreamServer : Server;
  let io: any;
  let port: number;
  if (creation === "port") {
    io = new Impl(0, opts);
    if (impl === "upstream") {
      const srv = io.httpServer as HttpServer;
      if (!srv.listening) await new Promise((r) => srv.once("listening", r));
      port = (srv.address() as { port: number }).port;
    } else {
      port = io.port;
    }
  } else {
    const httpServer = createServer();
    io = new Impl(httpServer, opts);
    await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
    port = (httpServer.address() as { port: number }).port;
  }
  const clients: ClientSocket[] = [];
  const connect = (nsp = "/", copts = {}) => {
    const c = ioc(`http://127.0.0.1:${port}${nsp}`, { forceNew: true, reconnection: false, transports: [transport], ...copts });
    clients.push(c);
    return c;
  };
  try {
    return await scenario({ io, impl, creation, kind: `${impl}-${creation}`, transport, port, connect });
  } finally {
    for (const c of clients) c.disconnect();
    await sleep(10);
    await io.close();
    globalAgent.destroy();
  }
}

export interface ParityOptions {
  /** Client transports to run with (default: both; WebSocket only where the transport cannot matter). */
  transports?: Transport[];
  /** Server options, given to both sides. */
  opts?: object;
  /** Marks the `new Server(0)` (uWS) variant as a node:test todo, with the reason. */
  uwsTodo?: string;
  /** Marks the node:http variant as a node:test todo, with the reason. */
  httpTodo?: string;
}

/**
 * Declares one test per (transport, creation): upstream then hyperio, in sequence, and
 * hyperio's observations must deep-equal upstream's. The `port` variant is hyperio's default
 * uWS path, compared with upstream's own `new Server(0)`.
 */
export function parityTests(label: string, name: string, scenario: ParityScenario, options: ParityOptions = {}): void {
  const transports = options.transports ?? ["websocket", "polling"];
  for (const transport of transports) {
    for (const creation of ["http", "port"] as const) {
      const todo = creation === "port" ? options.uwsTodo : options.httpTodo;
      const where = creation === "port" ? "new Server(0)" : "node:http";
      test(`${label} (${transport}, ${where}): ${name}`, todo ? { todo } : {}, async () => {
        const upstream = await runParityScenario("upstream", creation, transport, scenario, options.opts);
        const ours = await runParityScenario("hyperio", creation, transport, scenario, options.opts);
        assert.deepEqual(ours, upstream, `hyperio (${where}) differs from socket.io (${where})`);
      });
    }
  }
}
