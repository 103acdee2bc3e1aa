// `io.httpServer` after `new Server(port)` / `io.listen(port)`: upstream socket.io creates an
// http.Server there, and applications read it (`address().port`, the `listening` event and
// flag, `close(cb)`, the `error` event when the port is taken). Each scenario runs against
// upstream socket.io 4.8 and against hyperio's default path (uWS, a UwsHttpServer) and
// compares what the application and the official client observe.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Server as UpstreamServer } from "socket.io";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Server as HyperioServer } from "../../src/index";
import { once, sleep } from "./helpers";

type Kind = "upstream" | "hyperio";
type AnyServer = UpstreamServer | HyperioServer;
/** What the scenarios read from io.httpServer: the http.Server surface both must offer. */
type ListeningServer = {
  address(): AddressInfo | string | null;
  listening: boolean;
  close(cb?: (err?: Error) => void): unknown;
  on(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
};

function make(kind: Kind, port: number, opts: object = {}): AnyServer {
  return kind === "upstream" ? new UpstreamServer(port, opts) : new HyperioServer(port, opts);
}

function httpServerOf(io: AnyServer): ListeningServer {
  const srv = io.httpServer as unknown as ListeningServer | undefined;
  assert.ok(srv, "io.httpServer is set");
  return srv;
}

/** Lets pending ticks, immediates and socket closes run. */
const settle = () => sleep(20);

/** Connects an official client and resolves with the first "hello" the server sends it. */
async function hello(port: number, transport: "websocket" | "polling"): Promise<{ client: ClientSocket; said: string }> {
  const client = ioc(`http://127.0.0.1:${port}`, { transports: [transport], forceNew: true, reconnection: false });
  const [said] = await once<[string]>(client, "hello");
  return { client, said };
}

/** Resolves with what a fresh client gets when nothing serves `port`: "connect_error". */
async function refused(port: number): Promise<string> {
  const client = ioc(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true, reconnection: false });
  try {
    return await Promise.race([
      once(client, "connect_error").then(() => "connect_error"),
      once(client, "connect").then(() => "connected"),
    ]);
  } finally {
    client.disconnect();
  }
}

/** Runs `scenario` on upstream and on hyperio; their observations must be equal. */
function parity(name: string, scenario: (kind: Kind) => Promise<unknown>): void {
  test(name, async () => {
    const upstream = await scenario("upstream");
    const hyperio = await scenario("hyperio");
    assert.deepEqual(hyperio, upstream);
  });
}

parity("address(), the listening flag and event; clients connect to address().port", async (kind) => {
  const io = make(kind, 0);
  const srv = httpServerOf(io);
  const events: string[] = [];
  srv.on("listening", () => events.push("listening"));
  srv.on("close", () => events.push("close"));
  // read synchronously after the constructor: listening already, the event not yet fired
  events.push(`constructed, listening=${srv.listening}`);
  const addr = srv.address() as AddressInfo;
  await settle();
  io.on("connection", (socket) => socket.emit("hello", `hi ${socket.conn.transport.name}`));
  const ws = await hello(addr.port, "websocket");
  const polling = await hello(addr.port, "polling");
  ws.client.disconnect();
  polling.client.disconnect();
  await settle();
  await io.close();
  return {
    events,
    address: addr.address,
    family: addr.family,
    port: Number.isInteger(addr.port) && addr.port > 0,
    samePortAsIoPort: kind === "upstream" || (io as HyperioServer).port === addr.port,
    said: [ws.said, polling.said],
    afterClose: { listening: srv.listening, address: srv.address() },
  };
});

parity("io.close(cb): close fires, then the callback; closing twice reports ERR_SERVER_NOT_RUNNING", async (kind) => {
  const io = make(kind, 0);
  const srv = httpServerOf(io);
  const port = (srv.address() as AddressInfo).port;
  io.on("connection", (socket) => socket.emit("hello", "hi"));
  const { client } = await hello(port, "websocket");
  const clientReason = once<[string]>(client, "disconnect");
  const order: string[] = [];
  srv.on("close", () => order.push("close event"));
  const first = io.close((err) => order.push(`first cb: ${(err as any)?.code ?? "no error"}`));
  order.push("close() returned");
  await first;
  order.push("first resolved");
  await io.close((err) => order.push(`second cb: ${(err as any)?.code ?? "no error"}`));
  order.push("second resolved");
  const [reason] = await clientReason;
  client.disconnect();
  return { order, reason, listening: srv.listening, nobodyServes: await refused(port) };
});

parity("io.httpServer.close(cb) directly stops serving; a second close gets ERR_SERVER_NOT_RUNNING", async (kind) => {
  const io = make(kind, 0);
  const srv = httpServerOf(io);
  const port = (srv.address() as AddressInfo).port;
  await settle();
  const order: string[] = [];
  srv.on("close", () => order.push("close event"));
  await new Promise<void>((resolve) =>
    srv.close((err) => {
      order.push(`cb: ${(err as any)?.code ?? "no error"}`);
      resolve();
    }),
  );
  const afterFirst = { listening: srv.listening, address: srv.address() };
  const second = await new Promise<string>((resolve) => srv.close((err) => resolve((err as any)?.code ?? "no error")));
  const nobodyServes = await refused(port);
  const ioClose = await new Promise<string>((resolve) => io.close((err) => resolve((err as any)?.code ?? "no error")));
  return { order, afterFirst, second, nobodyServes, ioClose };
});

/** A node server holding a port on every interface, as an unrelated process would. */
async function occupyPort(): Promise<{ port: number; blocker: NetServer }> {
  const blocker = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  return { port: (blocker.address() as AddressInfo).port, blocker };
}

parity("port in use: no throw, an asynchronous EADDRINUSE error event; listen() again works", async (kind) => {
  const { port, blocker } = await occupyPort();
  try {
    let io: AnyServer | undefined;
    let threw: string | undefined;
    try {
      io = make(kind, port);
    } catch (err) {
      threw = (err as Error).message;
    }
    assert.ok(io, `constructor threw: ${threw}`);
    const srv = httpServerOf(io);
    // The listener is added after the constructor returned, and still gets the error.
    const [err] = await once<[NodeJS.ErrnoException & { address?: string; port?: number }]>(srv, "error");
    const failed = {
      threw,
      code: err.code,
      syscall: err.syscall,
      address: err.address,
      port: err.port === port,
      message: err.message === `listen EADDRINUSE: address already in use :::${port}`,
      listening: srv.listening,
      addressAfter: srv.address(),
    };
    // The application recovers by listening elsewhere; handlers registered stay.
    io.on("connection", (socket) => socket.emit("hello", "recovered"));
    io.listen(0);
    const next = httpServerOf(io);
    const { client, said } = await hello((next.address() as AddressInfo).port, "websocket");
    client.disconnect();
    await settle();
    await io.close();
    return { failed, said, replaced: next !== srv };
  } finally {
    blocker.close();
  }
});

parity("a second server on the port of a running one gets EADDRINUSE; the first keeps serving", async (kind) => {
  const first = make(kind, 0);
  const port = (httpServerOf(first).address() as AddressInfo).port;
  const second = make(kind, port);
  try {
    const [err] = await once<[NodeJS.ErrnoException]>(httpServerOf(second), "error");
    first.on("connection", (socket) => socket.emit("hello", "first"));
    const { client, said } = await hello(port, "websocket");
    client.disconnect();
    await settle();
    return { code: err.code, secondListening: httpServerOf(second).listening, said };
  } finally {
    await second.close();
    await first.close();
  }
});

test("port in use and no error listener: the process fails with EADDRINUSE, as on upstream", () => {
  // An unhandled "error" event is thrown by the EventEmitter: upstream's http.Server does
  // so, and so does hyperio's. Run in child processes, as that ends the process.
  const root = join(__dirname, "..", "..");
  const script = (importLine: string) => `
    ${importLine}
    const net = require("node:net");
    const blocker = net.createServer().listen(0, () => {
      const io = new Server(blocker.address().port);
      setTimeout(() => { console.log("survived"); process.exit(0); }, 2000);
    });`;
  const run = (importLine: string) => {
    try {
      execFileSync(process.execPath, ["--import", "tsx", "-e", script(importLine)], { cwd: root, encoding: "utf8", stdio: "pipe" });
      return "survived";
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? "");
      return stderr.includes("EADDRINUSE") ? "uncaught EADDRINUSE" : `other failure: ${stderr.slice(0, 300)}`;
    }
  };
  const upstream = run(`const { Server } = require("socket.io");`);
  const hyperio = run(`const { Server } = require("./src/index");`);
  assert.equal(upstream, "uncaught EADDRINUSE");
  assert.equal(hyperio, upstream);
});

test("attachApp() leaves io.httpServer undefined, as upstream (the App is the caller's)", async () => {
  const { loadUws } = await import("../../src/index");
  const { uws } = loadUws();
  const io = new HyperioServer();
  io.attachApp(uws.App());
  assert.equal(io.httpServer, undefined);
  await io.close();
  const upstream = new UpstreamServer();
  upstream.attachApp(uws.App());
  assert.equal(upstream.httpServer, undefined);
  await upstream.close();
});
