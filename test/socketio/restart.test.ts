// Restart: `io.close()` then `io.listen(port)` (or `io.attach(httpServer)`) on the same
// Server, as applications and test suites do on upstream socket.io. Namespaces, middlewares,
// handlers and rooms registered before the first close keep working on every run, and the
// official client connects each time, on the same port and on another one. Runs against
// upstream socket.io 4.8 and hyperio, on the uWS default path and on node:http; then the
// same for hyperio's engine on its own (`engine.close()` then `engine.listen()`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createServer, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { Server as UpstreamServer } from "socket.io";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Socket as EioClient } from "engine.io-client";
import { Server as HyperioServer } from "../../src/index";
import { Server as EngineServer } from "../../src/engine";
import { once, sleep } from "./helpers";

type Kind = "upstream" | "hyperio";
type Backend = "uws" | "node";
type AnyServer = UpstreamServer | HyperioServer;

const CYCLES = 3;

/** A port that is free now and is not `not` (run 2 must move to another port). */
async function otherFreePort(not: number): Promise<number> {
  for (;;) {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    if (port !== not) return port;
  }
}

/** Registers, once, what an application sets up before it first listens. */
function setUp(io: AnyServer): void {
  io.use((socket, next) => {
    socket.data.tag = "passed middleware";
    next();
  });
  io.on("connection", (socket) => {
    socket.join("room");
    socket.on("echo", (value: unknown, ack: (answer: unknown) => void) => ack({ value, tag: socket.data.tag }));
  });
  io.of("/chat").on("connection", (socket) => socket.emit("welcome", `chat ${socket.conn.transport.name}`));
}

/**
 * Starts serving on `port` the way an application does on each backend, and resolves with
 * the bound port: uWS (upstream: its own http.Server) with io.listen(port); node:http with
 * io.attach on a new http.Server.
 */
async function start(io: AnyServer, backend: Backend, port: number): Promise<number> {
  if (backend === "uws") {
    io.listen(port);
    const srv = io.httpServer as unknown as { address(): AddressInfo | null };
    return srv.address()!.port;
  }
  const httpServer: HttpServer = createServer((_req, res) => res.writeHead(404).end());
  io.attach(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  return (httpServer.address() as AddressInfo).port;
}

function client(port: number, nsp: string, transport: "websocket" | "polling"): ClientSocket {
  return ioc(`http://127.0.0.1:${port}${nsp}`, { transports: [transport], forceNew: true, reconnection: false });
}

/** What a client observes in one run: ack from the handler, a room broadcast, the chat namespace. */
async function observe(io: AnyServer, port: number, run: number): Promise<unknown> {
  const main = client(port, "/", "websocket");
  const chat = client(port, "/chat", "polling");
  try {
    const [welcome] = await once<[string]>(chat, "welcome");
    if (!main.connected) await once(main, "connect");
    const echoed = await main.timeout(2000).emitWithAck("echo", run);
    const news = once<[number]>(main, "news");
    io.to("room").emit("news", run);
    const [got] = await news;
    return { welcome, echoed, news: got, sockets: io.of("/").sockets.size };
  } finally {
    main.disconnect();
    chat.disconnect();
    await sleep(20);
  }
}

async function restartScenario(kind: Kind, backend: Backend): Promise<unknown[]> {
  const io: AnyServer = kind === "upstream" ? new UpstreamServer() : new HyperioServer();
  setUp(io);
  const runs: unknown[] = [];
  let firstPort = 0;
  try {
    for (let run = 0; run < CYCLES; run++) {
      // run 0: any port; run 1: the same port again; run 2: another port
      const wanted = run === 0 ? 0 : run === 1 ? firstPort : await otherFreePort(firstPort);
      const port = await start(io, backend, wanted);
      if (run === 0) firstPort = port;
      const samePort = port === firstPort;
      runs.push({ run, samePort, ...((await observe(io, port, run)) as object) });
      const closed = await new Promise<string>((resolve) => io.close((err) => resolve((err as any)?.code ?? "closed")));
      runs.push({ run, closed, sockets: io.of("/").sockets.size });
    }
  } finally {
    await io.close();
  }
  return runs;
}

for (const backend of ["uws", "node"] as const) {
  test(`close() then listen again, ${CYCLES} runs, same and other port (${backend}): as upstream`, async () => {
    const upstream = await restartScenario("upstream", backend);
    const hyperio = await restartScenario("hyperio", backend);
    assert.deepEqual(hyperio, upstream);
    // the scenario itself: every run got its answers
    assert.equal(hyperio.length, 2 * CYCLES);
    assert.deepEqual((hyperio[2] as { echoed: unknown }).echoed, { value: 1, tag: "passed middleware" });
  });
}

/**
 * Connection state recovery across a restart: close() persists each session ("server
 * shutting down" is recoverable), a broadcast made while down is kept, and the client that
 * reconnects by itself to the same port gets its session and that broadcast back.
 */
async function recoveryScenario(kind: Kind, backend: Backend): Promise<unknown> {
  const opts = { connectionStateRecovery: { maxDisconnectionDuration: 10_000 } };
  const io: AnyServer = kind === "upstream" ? new UpstreamServer(opts) : new HyperioServer(opts);
  const recovered: boolean[] = [];
  io.on("connection", (socket) => {
    recovered.push(socket.recovered);
    socket.join("room");
  });
  const port = await start(io, backend, 0);
  const peer = ioc(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 50 });
  try {
    const got: number[] = [];
    peer.on("news", (n: number) => got.push(n));
    await once(peer, "connect");
    io.to("room").emit("news", 1);
    await sleep(30);
    const lost = once(peer, "disconnect");
    await io.close();
    await lost;
    io.to("room").emit("news", 2); // nobody connected: kept for recovery
    const back = once(peer, "connect");
    await start(io, backend, port);
    await back;
    await sleep(30);
    return { recovered, got, clientRecovered: peer.recovered };
  } finally {
    peer.disconnect();
    await io.close();
  }
}

for (const backend of ["uws", "node"] as const) {
  test(`connection state recovery across close() and listen() (${backend}): as upstream`, async () => {
    const upstream = await recoveryScenario("upstream", backend);
    const hyperio = await recoveryScenario("hyperio", backend);
    assert.deepEqual(hyperio, upstream);
    assert.deepEqual(upstream, { recovered: [false, true], got: [1, 2], clientRecovered: true });
  });
}

test("restart moves between backends: uWS, then node:http, then uWS again", async () => {
  const io = new HyperioServer();
  setUp(io);
  try {
    const seen: unknown[] = [];
    for (const backend of ["uws", "node", "uws"] as const) {
      const port = await start(io, backend, 0);
      seen.push(await observe(io, port, seen.length));
      await io.close();
    }
    assert.deepEqual(seen, [0, 1, 2].map((run) => ({
      welcome: "chat polling",
      echoed: { value: run, tag: "passed middleware" },
      news: run,
      sockets: 1,
    })));
  } finally {
    await io.close();
  }
});

test("attach() to the same http.Server after close(): each run is served by the new engine alone", async () => {
  // Upstream throws here (ws: "handleUpgrade() was called more than once with the same
  // socket": the closed engine's upgrade listener still runs), so this is hyperio's alone.
  const io = new HyperioServer();
  setUp(io);
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  const upgradeListeners = httpServer.listeners("upgrade").length;
  try {
    const seen: unknown[] = [];
    for (let run = 0; run < CYCLES; run++) {
      io.attach(httpServer);
      await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
      const port = (httpServer.address() as AddressInfo).port;
      const main = client(port, "/", "websocket");
      await once(main, "connect");
      seen.push({ run, clients: io.engine.clientsCount, echoed: await main.timeout(2000).emitWithAck("echo", run) });
      main.disconnect();
      await sleep(20);
      await io.close();
    }
    assert.deepEqual(seen, [0, 1, 2].map((run) => ({ run, clients: 1, echoed: { value: run, tag: "passed middleware" } })));
    assert.equal(httpServer.listeners("upgrade").length, upgradeListeners, "close() leaves no engine upgrade listener behind");
  } finally {
    await io.close();
  }
});

test("listen() while still serving is refused; after close() it is not", async () => {
  const io = new HyperioServer();
  try {
    io.listen(0);
    assert.throws(() => io.listen(0), /already attached/);
    await io.close();
    io.listen(0);
    assert.equal((io.httpServer as unknown as { listening: boolean }).listening, true);
  } finally {
    await io.close();
  }
});

/** An engine.io-client session that sends "ping <run>" and resolves with the answer. */
async function engineEcho(port: number, transport: "websocket" | "polling", run: number): Promise<string> {
  const socket = new EioClient(`ws://127.0.0.1:${port}`, { transports: [transport] });
  try {
    await once(socket, "open");
    const answer = once<[string]>(socket, "message");
    socket.send(`ping ${run}`);
    return (await answer)[0];
  } finally {
    socket.close();
  }
}

test(`hyperio/engine: close() then listen() again, ${CYCLES} runs, same and other port`, async () => {
  const engine = new EngineServer();
  engine.on("connection", (socket) => socket.on("message", (data) => socket.send(`echo ${String(data)}`)));
  const seen: unknown[] = [];
  let firstPort = 0;
  try {
    for (let run = 0; run < CYCLES; run++) {
      const wanted = run === 0 ? 0 : run === 1 ? firstPort : await otherFreePort(firstPort);
      const port = await engine.listen(wanted, { host: "127.0.0.1" });
      if (run === 0) firstPort = port;
      seen.push({
        run,
        samePort: port === firstPort,
        publishes: engine.supportsPublish,
        ws: await engineEcho(port, "websocket", run),
        polling: await engineEcho(port, "polling", run),
      });
      engine.close();
      seen.push({ run, clients: engine.clientsCount, timers: engine.activeTimers });
      await sleep(20);
    }
  } finally {
    engine.close();
  }
  const expected = [];
  for (let run = 0; run < CYCLES; run++) {
    expected.push({ run, samePort: run !== 2, publishes: true, ws: `echo ping ${run}`, polling: `echo ping ${run}` });
    expected.push({ run, clients: 0, timers: 0 });
  }
  assert.deepEqual(seen, expected);
});
