// Shared helpers for engine tests: a real engine on 127.0.0.1:0 and the official client.
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { Socket as ClientSocket, SocketOptions } from "engine.io-client";
import { WebSocket } from "ws";
import { Server, ServerOptions, Socket } from "../../src/engine";

export interface Started {
  engine: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts an engine with its own uWS app on 127.0.0.1, port 0. */
export async function startUws(opts: ServerOptions = {}): Promise<Started> {
  const engine = new Server(opts);
  const port = await engine.listen(0, { host: "127.0.0.1" });
  return {
    engine,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      engine.close();
      await tick(20);
    },
  };
}

/**
 * Starts an engine attached to a node:http server on 127.0.0.1, port 0. Requests the
 * engine does not take go to `userHandler` (a 404 by default), as in a user's app.
 */
export async function startNode(
  opts: ServerOptions = {},
  userHandler: http.RequestListener = (_req, res) => {
    res.writeHead(404);
    res.end();
  },
): Promise<Started & { httpServer: http.Server }> {
  const httpServer = http.createServer(userHandler);
  const engine = new Server(opts);
  engine.attach(httpServer);
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  const port = (httpServer.address() as { port: number }).port;
  return {
    engine,
    port,
    httpServer,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      engine.close();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    },
  };
}

export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Connects the official engine.io-client and resolves once open. */
export async function connect(url: string, opts: Partial<SocketOptions> = {}): Promise<ClientSocket> {
  const c = new ClientSocket(url, opts);
  await new Promise<void>((resolve, reject) => {
    c.once("open", () => resolve());
    c.once("error", (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
  return c;
}

/** Resolves with the next server-side session. */
export function nextConnection(engine: Server): Promise<Socket> {
  return once(engine, "connection").then(([s]) => s as Socket);
}

/** Polls `cond` until true or fails after `ms`. */
export async function waitUntil(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

/** Resolves once the engine has no session and no timer left. */
export async function expectIdle(engine: Server, ms = 3000): Promise<void> {
  await waitUntil(() => engine.clientsCount === 0 && engine.activeTimers === 0, ms, "engine idle");
}

/** Handshakes over raw HTTP; returns the sid. */
export async function pollingHandshake(url: string, path = "/engine.io/"): Promise<string> {
  const res = await fetch(`${url}${path}?EIO=4&transport=polling`);
  const body = await res.text();
  if (res.status !== 200 || body[0] !== "0") throw new Error(`handshake failed: ${res.status} ${body}`);
  return JSON.parse(body.slice(1).split("\x1e")[0]).sid as string;
}

/** Writes raw bytes to the server and returns the socket (caller destroys it). */
export async function rawConnect(port: number): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  await once(s, "connect");
  s.on("error", () => {});
  return s;
}

/** Reads one full HTTP response (headers + Content-Length body) from a raw socket. */
export function readHttpResponse(s: net.Socket): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buf.subarray(0, end).toString();
      const m = /content-length: (\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (buf.length < end + 4 + len) return;
      s.off("data", onData);
      resolve({
        status: Number(head.split(" ")[1]),
        headers: head,
        body: buf.subarray(end + 4, end + 4 + len).toString(),
      });
    };
    s.on("data", onData);
    s.once("close", () => reject(new Error("closed before a full response")));
  });
}

/** Resolves on the next `event` of an engine.io-client socket (not a node EventEmitter). */
export function clientOnce(c: ClientSocket, event: "close" | "open" | "upgrade"): Promise<void> {
  return new Promise((resolve) => c.once(event, () => resolve()));
}

/**
 * Starts the upgrade of session `sid` and holds it half-way: a WebSocket that answered the
 * probe but never sends "5" (the session stays `upgrading`). The caller closes it.
 */
export async function holdUpgrade(port: number, sid: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
  ws.on("error", () => {});
  await once(ws, "open");
  ws.send("2probe");
  const [reply] = await once(ws, "message");
  if (String(reply) !== "3probe") throw new Error(`unexpected probe reply ${String(reply)}`);
  return ws;
}

/**
 * Engine parity: the same scenario on upstream engine.io 6.6 and on hyperio/engine, created
 * the same way on both sides. `http` attaches to a node:http server on 127.0.0.1 (hyperio's
 * node:http + ws backend); `port` is the engine's own server (upstream `listen(0)`, hyperio
 * `engine.listen(0)`: the default uWS path), listening on every interface on both sides.
 */
export type EngineImpl = "upstream" | "hyperio";
export type EngineCreation = "http" | "port";

export interface ParityEngine {
  /** upstream engine.io Server or hyperio/engine Server: the scenario uses the shared surface. */
  engine: any;
  impl: EngineImpl;
  creation: EngineCreation;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startParityEngine(impl: EngineImpl, creation: EngineCreation, opts: Record<string, unknown> = {}): Promise<ParityEngine> {
  const upstream = await import("engine.io");
  let engine: any;
  let httpServer: http.Server | undefined;
  let port: number;
  if (creation === "port" && impl === "hyperio") {
    engine = new Server(opts as ServerOptions);
    port = await engine.listen(0);
  } else {
    if (creation === "port") {
      engine = upstream.listen(0, opts);
      httpServer = engine.httpServer as http.Server;
      if (!httpServer.listening) await once(httpServer, "listening");
    } else {
      httpServer = http.createServer();
      engine = impl === "upstream" ? upstream.attach(httpServer, opts) : new Server(opts as ServerOptions).attach(httpServer);
      httpServer.listen(0, "127.0.0.1");
      await once(httpServer, "listening");
    }
    port = (httpServer.address() as { port: number }).port;
  }
  return {
    engine,
    impl,
    creation,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      engine.close();
      if (httpServer) {
        httpServer.closeAllConnections();
        await new Promise((r) => httpServer!.close(r));
      } else {
        await tick(20);
      }
    },
  };
}
